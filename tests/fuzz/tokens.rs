//! Targets: `AccessTokenVerifier::verify_at` and `verify_refresh_token`.
//!
//! Two kinds of input. Mutations of a genuine token (flipped, inserted, deleted or moved
//! bytes and segments) must all be rejected. And tokens genuinely signed over generated
//! headers and claims, each field drawn as good or bad by API.md's rules: the verifier must
//! accept exactly the tokens whose every field is good (a differential against the
//! contract, so over-acceptance and over-rejection both fail).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use authd::clock::ManualClock;
use authd::keys::generate::{generate_key, KeyAlgorithm};
use authd::keys::KeyStore;
use authd::tokens::{
    issue_refresh_token, verify_refresh_token, AccessTokenVerifier, RefreshCheck, Session,
    TokenPolicy,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::fuzz;
use super::json::{any_json, hostile_string};

const NOW: i64 = 1_800_000_000;
const LEEWAY: i64 = 30;

struct Fixture {
    _dir: tempfile::TempDir,
    keys: KeyStore,
    verifier: AccessTokenVerifier,
    policy: TokenPolicy,
    kid: String,
    encoding: EncodingKey,
    refresh_secret: [u8; 32],
}

fn fixture() -> Fixture {
    authd::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let path = generate_key(dir.path(), KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
    let pem = std::fs::read(&path).unwrap();
    let kid = path.file_stem().unwrap().to_str().unwrap().to_owned();
    let keys = KeyStore::open(dir.path(), 300).unwrap();
    let clock = Arc::new(ManualClock::starting_at(NOW));
    let verifier = AccessTokenVerifier::new(keys.clone(), "authd", "authd", LEEWAY, clock);
    let policy = TokenPolicy {
        issuer: "authd".into(),
        audience: "authd".into(),
        client_ids: "authd".parse().unwrap(),
        access_ttl: 900,
        refresh_ttl: 1_209_600,
        session_ttl: 2_592_000,
        reuse_grace: 0,
        leeway: LEEWAY,
    };
    let mut refresh_secret = [0u8; 32];
    {
        use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
        Salt::new(HKDF_SHA256, b"authd")
            .extract(&pem)
            .expand(&[b"authd refresh-token mac v1"], HKDF_SHA256)
            .unwrap()
            .fill(&mut refresh_secret)
            .unwrap();
    }
    Fixture {
        _dir: dir,
        keys,
        verifier,
        policy,
        kid,
        encoding: EncodingKey::from_ed_pem(&pem).unwrap(),
        refresh_secret,
    }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Fixture {
    fn sign_access(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature =
            jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, Algorithm::EdDSA).unwrap();
        format!("{input}.{signature}")
    }

    fn sign_refresh(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &self.refresh_secret);
        format!(
            "{input}.{}",
            b64(aws_lc_rs::hmac::sign(&key, input.as_bytes()))
        )
    }

    fn genuine_refresh(&self) -> String {
        let session = Session::start(NOW);
        let ring = self.keys.current();
        issue_refresh_token(&ring, &self.policy, uuid::Uuid::new_v4(), 0, session, NOW)
            .unwrap()
            .unwrap()
            .1
    }
}

/// A field drawn good (`true`) or bad; `None` leaves it out.
type Field = (Option<Value>, bool);

fn field(
    good: BoxedStrategy<Value>,
    bad: BoxedStrategy<Value>,
    required: bool,
) -> BoxedStrategy<Field> {
    prop_oneof![
        24 => good.prop_map(|v| (Some(v), true)),
        1 => bad.prop_map(|v| (Some(v), false)),
        1 => Just((None, !required)),
    ]
    .boxed()
}

fn exactly(value: &str, bad: &[&str]) -> (BoxedStrategy<Value>, BoxedStrategy<Value>) {
    let good = Just(json!(value)).boxed();
    let bad_strings: Vec<Value> = bad.iter().map(|s| json!(s)).collect();
    let bad = prop_oneof![
        3 => proptest::sample::select(bad_strings),
        1 => any_json().prop_filter("not the good value", {
            let value = value.to_owned();
            move |v| v.as_str() != Some(&value)
        }),
    ]
    .boxed();
    (good, bad)
}

fn uuid_field() -> BoxedStrategy<Field> {
    let good = any::<u128>()
        .prop_map(|n| json!(uuid::Uuid::from_u128(n)))
        .boxed();
    let bad = prop_oneof![
        proptest::sample::select(vec![
            json!(""),
            json!("admin"),
            json!("1"),
            json!(null),
            json!(7),
            json!([]),
            json!("00000000-0000-0000-0000-00000000000g"),
            json!("00000000-0000-0000-0000-0000000000")
        ]),
        "[g-z ]{1,40}".prop_map(|s| json!(s)),
    ]
    .boxed();
    field(good, bad, true)
}

/// A time claim: good in `good`, bad in `bad_range`, or of a wrong JSON type.
fn time_field(
    good: std::ops::RangeInclusive<i64>,
    bad_range: std::ops::RangeInclusive<i64>,
    required: bool,
) -> BoxedStrategy<Field> {
    let bad = prop_oneof![
        bad_range.prop_map(|t| json!(t)),
        (0i64..2_000_000_000).prop_map(|t| json!(t.to_string())),
        (0i64..2_000_000_000).prop_map(|t| json!(t as f64 + 0.5)),
        // `"nbf": null` reads as no nbf, which is fine: only a required claim must not be null.
        proptest::sample::select(if required {
            vec![json!(null), json!(true), json!([NOW]), json!({"t": NOW})]
        } else {
            vec![json!(true), json!([NOW]), json!({"t": NOW})]
        }),
    ]
    .boxed();
    field(good.prop_map(|t| json!(t)).boxed(), bad, required)
}

fn string_field(required: bool) -> BoxedStrategy<Field> {
    let bad =
        proptest::sample::select(vec![json!(null), json!(1), json!(["x"]), json!(false)]).boxed();
    field(
        hostile_string(24).prop_map(|s| json!(s)).boxed(),
        bad,
        required,
    )
}

fn roles_field() -> BoxedStrategy<Field> {
    let good = proptest::collection::vec(hostile_string(10), 0..4)
        .prop_map(|r| json!(r))
        .boxed();
    let bad = proptest::sample::select(vec![
        json!("admin"),
        json!([1]),
        json!(null),
        json!({"admin": true}),
        json!([["admin"]]),
    ])
    .boxed();
    field(good, bad, true)
}

/// Builds a JSON object from named fields; returns it and whether every field is good.
fn object(fields: Vec<(&'static str, Field)>, extras: Vec<(String, Value)>) -> (Value, bool) {
    let mut map = Map::new();
    let mut all_good = true;
    for (name, (value, good)) in fields {
        all_good &= good;
        if let Some(value) = value {
            map.insert(name.to_owned(), value);
        }
    }
    for (name, value) in extras {
        map.entry(name).or_insert(value);
    }
    (Value::Object(map), all_good)
}

/// Header: `alg`, `kid`, `typ` good or bad, extra string members, and now and then a
/// member API.md forbids.
fn header(
    alg: &'static str,
    kid: String,
    typ: &'static str,
) -> impl Strategy<Value = (Value, bool)> {
    let (alg_good, alg_bad) = exactly(
        alg,
        &[
            "none", "None", "HS256", "ES256", "RS256", "EdDSA", "HS512", "eddsa",
        ],
    );
    let alg_bad = alg_bad
        .prop_filter("bad alg", move |v| v.as_str() != Some(alg))
        .boxed();
    let (kid_good, kid_bad) = exactly(&kid, &["", "../../../../dev/null", "' OR 1=1 --", "other"]);
    let (typ_good, typ_bad) = exactly(
        typ,
        &[
            "JWT",
            "at+jwt",
            "rt+jwt",
            "AT+JWT",
            "application/at+jwt",
            "",
        ],
    );
    let typ_bad = typ_bad
        .prop_filter("bad typ", move |v| v.as_str() != Some(typ))
        .boxed();
    let forbidden = proptest::option::weighted(
        0.04,
        (
            proptest::sample::select(vec!["crit", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"]),
            any_json(),
        ),
    );
    let extras = proptest::collection::vec(
        (
            proptest::sample::select(vec!["x-extra", "ext", "foo"]),
            hostile_string(12),
        ),
        0..2,
    );
    (
        field(alg_good, alg_bad, true),
        field(kid_good, kid_bad, true),
        field(typ_good, typ_bad, true),
        forbidden,
        extras,
    )
        .prop_map(|(alg, kid, typ, forbidden, extras)| {
            let extras: Vec<(String, Value)> = extras
                .into_iter()
                .map(|(n, v)| (n.to_owned(), json!(v)))
                .collect();
            let (mut header, good) = object(vec![("alg", alg), ("kid", kid), ("typ", typ)], extras);
            let bad_member = forbidden
                .map(|(name, value)| header[name] = value)
                .is_some();
            (header, good && !bad_member)
        })
}

fn extra_claims() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop_oneof![
        8 => proptest::collection::vec((proptest::sample::select(vec!["ext", "scope", "x"]).prop_map(str::to_owned), any_json()), 0..3),
        // Padding that takes some tokens across the 8 KiB limit.
        1 => (5_000usize..8_000).prop_map(|n| vec![("pad".to_owned(), json!("p".repeat(n)))]),
    ]
}

fn access_claims() -> impl Strategy<Value = (Value, bool)> {
    let (iss_good, iss_bad) = exactly("authd", &["evil", "Authd", "", "authd ", "authd/refresh"]);
    let (aud_good, aud_bad) = exactly("authd", &["evil", "AUTHD", "", " authd", "authd/refresh"]);
    let fields = vec![
        field(iss_good, iss_bad, true),
        field(aud_good, aud_bad, true),
        uuid_field(),
        string_field(true),
        string_field(true),
        roles_field(),
        uuid_field(),
        uuid_field(),
        time_field(
            -1_000_000_000..=NOW + LEEWAY,
            NOW + LEEWAY + 1..=i64::MAX,
            true,
        ),
        time_field(
            NOW - LEEWAY..=NOW + 1_000_000_000,
            i64::MIN..=NOW - LEEWAY - 1,
            true,
        ),
        time_field(
            -1_000_000_000..=NOW + LEEWAY,
            NOW + LEEWAY + 1..=i64::MAX,
            false,
        ),
    ];
    let names = [
        "iss",
        "aud",
        "sub",
        "client_id",
        "email",
        "roles",
        "sid",
        "jti",
        "iat",
        "exp",
        "nbf",
    ];
    (fields, extra_claims())
        .prop_map(move |(fields, extras)| object(names.into_iter().zip(fields).collect(), extras))
}

fn refresh_claims() -> impl Strategy<Value = (Value, bool)> {
    let (iss_good, iss_bad) = exactly("authd", &["evil", "", "authd/refresh"]);
    let (aud_good, aud_bad) = exactly("authd/refresh", &["authd", "", "authd/refresh "]);
    let int = |required| {
        field(
            (-1_000i64..1_000_000).prop_map(|n| json!(n)).boxed(),
            proptest::sample::select(vec![json!("1"), json!(1.5), json!(null), json!([1])]).boxed(),
            required,
        )
    };
    let fields = vec![
        field(iss_good, iss_bad, true),
        field(aud_good, aud_bad, true),
        uuid_field(),
        uuid_field(),
        uuid_field(),
        time_field(
            -1_000_000_000..=NOW + LEEWAY,
            NOW + LEEWAY + 1..=i64::MAX,
            true,
        ),
        time_field(
            NOW - LEEWAY..=NOW + 1_000_000_000,
            i64::MIN..=NOW - LEEWAY - 1,
            true,
        ),
        int(true),
        int(true),
    ];
    let names = [
        "iss",
        "aud",
        "sub",
        "sid",
        "jti",
        "iat",
        "exp",
        "auth_time",
        "gen",
    ];
    (fields, extra_claims())
        .prop_map(move |(fields, extras)| object(names.into_iter().zip(fields).collect(), extras))
}

#[test]
fn fuzz_access_token_verification() {
    let fixture = fixture();
    let accepted = AtomicU64::new(0);
    let strategy = (
        header("EdDSA", fixture.kid.clone(), "at+jwt"),
        access_claims(),
    );
    fuzz(
        "access-verify",
        strategy,
        |((header, header_good), (claims, claims_good))| {
            let token = fixture.sign_access(&header, &claims);
            let expected = header_good && claims_good && token.len() <= 8 * 1024;
            let got = fixture.verifier.verify_at(&token, NOW);
            accepted.fetch_add(u64::from(got.is_ok()), Ordering::Relaxed);
            prop_assert_eq!(
                got.is_ok(),
                expected,
                "header {} claims {} -> {:?}",
                header,
                claims,
                got
            );
            Ok(())
        },
    );
    println!(
        "fuzz access-verify: {} tokens accepted",
        accepted.load(Ordering::Relaxed)
    );
}

#[test]
fn fuzz_refresh_token_verification() {
    let fixture = fixture();
    let genuine = fixture.genuine_refresh();
    let ring = fixture.keys.current();
    let control = verify_refresh_token(&ring, &fixture.policy, &genuine, NOW, RefreshCheck::Live);
    assert!(control.is_ok(), "control: a genuine refresh token verifies");
    let accepted = AtomicU64::new(0);
    let strategy = (
        header("HS256", fixture.kid.clone(), "rt+jwt"),
        refresh_claims(),
    );
    fuzz(
        "refresh-verify",
        strategy,
        |((header, header_good), (claims, claims_good))| {
            let token = fixture.sign_refresh(&header, &claims);
            let well_formed = header_good && claims_good && token.len() <= 8 * 1024;
            let ring = fixture.keys.current();
            let signature_only = verify_refresh_token(
                &ring,
                &fixture.policy,
                &token,
                NOW,
                RefreshCheck::SignatureOnly,
            );
            let live =
                verify_refresh_token(&ring, &fixture.policy, &token, NOW, RefreshCheck::Live);
            accepted.fetch_add(u64::from(live.is_ok()), Ordering::Relaxed);
            // Logout (signature only) ignores the times, so integer exp/iat out of range pass
            // there (exp must still be a non-negative integer: jsonwebtoken requires it).
            let times_typed =
                claims["exp"].is_u64() && claims["exp"].is_i64() && claims["iat"].is_i64();
            let signature_expected = well_formed
                || (header_good
                    && token.len() <= 8 * 1024
                    && times_typed
                    && other_refresh_claims_good(&claims));
            prop_assert_eq!(
                signature_only.is_ok(),
                signature_expected,
                "signature-only: header {} claims {} -> {:?}",
                header,
                claims,
                signature_only
            );
            prop_assert_eq!(
                live.is_ok(),
                well_formed,
                "live: header {} claims {} -> {:?}",
                header,
                claims,
                live
            );
            Ok(())
        },
    );
    println!(
        "fuzz refresh-verify: {} tokens accepted",
        accepted.load(Ordering::Relaxed)
    );
}

/// Whether every refresh claim but `exp` and `iat` is good.
fn other_refresh_claims_good(claims: &Value) -> bool {
    let uuid = |name: &str| {
        claims[name]
            .as_str()
            .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
    };
    let int = |name: &str| claims[name].is_i64();
    claims["iss"] == "authd"
        && claims["aud"] == "authd/refresh"
        && uuid("sub")
        && uuid("sid")
        && uuid("jti")
        && int("auth_time")
        && int("gen")
}

/// Byte-level mutations of a genuine token.
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Truncate(usize),
    Append(Vec<u8>),
    SwapSegments(usize, usize),
    DuplicateSegment(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        4 => proptest::sample::select(b"ABCabc019-_.=+/ ".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        4 => (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => (any::<usize>(), 1usize..8).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => proptest::collection::vec(byte, 1..6).prop_map(Mutation::Append),
        1 => (0usize..3, 0usize..3).prop_map(|(a, b)| Mutation::SwapSegments(a, b)),
        1 => (0usize..3).prop_map(Mutation::DuplicateSegment),
    ]
}

fn apply(token: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = token.as_bytes().to_vec();
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Set(i, b) => {
                if !bytes.is_empty() {
                    let i = i % len;
                    bytes[i] = *b;
                }
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), *b),
            Mutation::Delete(i, n) => {
                if !bytes.is_empty() {
                    let i = i % len;
                    let end = (i + n).min(bytes.len());
                    bytes.drain(i..end);
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Append(tail) => bytes.extend_from_slice(tail),
            Mutation::SwapSegments(a, b) => {
                let mut parts: Vec<Vec<u8>> =
                    bytes.split(|&c| c == b'.').map(<[u8]>::to_vec).collect();
                if *a < parts.len() && *b < parts.len() {
                    parts.swap(*a, *b);
                }
                bytes = parts.join(&b'.');
            }
            Mutation::DuplicateSegment(a) => {
                let mut parts: Vec<Vec<u8>> =
                    bytes.split(|&c| c == b'.').map(<[u8]>::to_vec).collect();
                if *a < parts.len() {
                    let copy = parts[*a].clone();
                    parts.insert(*a, copy);
                }
                bytes = parts.join(&b'.');
            }
        }
    }
    bytes
}

#[test]
fn fuzz_mutated_genuine_tokens() {
    let fixture = fixture();
    let access_claims = json!({"iss": "authd", "aud": "authd", "sub": uuid::Uuid::new_v4(), "client_id": "authd", "email": "a@example.com",
        "roles": [], "sid": uuid::Uuid::new_v4(), "jti": uuid::Uuid::new_v4(), "iat": NOW, "exp": NOW + 900});
    let access = fixture.sign_access(
        &json!({"alg": "EdDSA", "kid": fixture.kid, "typ": "at+jwt"}),
        &access_claims,
    );
    let refresh = fixture.genuine_refresh();
    assert!(
        fixture.verifier.verify_at(&access, NOW).is_ok(),
        "control: the genuine access token verifies"
    );
    let strategy = (any::<bool>(), proptest::collection::vec(mutation(), 1..4));
    fuzz("mutated-tokens", strategy, |(use_access, mutations)| {
        let original = if use_access { &access } else { &refresh };
        let mutated = apply(original, &mutations);
        let Ok(text) = String::from_utf8(mutated) else {
            return Ok(());
        };
        if &text == original {
            return Ok(());
        }
        let ring = fixture.keys.current();
        let as_access = fixture.verifier.verify_at(&text, NOW);
        prop_assert!(
            as_access.is_err(),
            "mutated token accepted as access: {:?} -> {:?}",
            text,
            as_access
        );
        for check in [RefreshCheck::Live, RefreshCheck::SignatureOnly] {
            let as_refresh = verify_refresh_token(&ring, &fixture.policy, &text, NOW, check);
            prop_assert!(
                as_refresh.is_err(),
                "mutated token accepted as refresh: {:?} -> {:?}",
                text,
                as_refresh
            );
        }
        Ok(())
    });
}
