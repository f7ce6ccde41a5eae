//! Unit tests of issuing and verifying, with time as a parameter.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Header;
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::clock::ManualClock;
use crate::keys::generate::{generate_key, KeyAlgorithm};
use crate::keys::KeyStore;

mod cache;
mod csrf;
mod header;
mod rejection;

const NOW: i64 = 1_800_000_000;
const LEEWAY: i64 = 30;

struct Fixture {
    _dir: tempfile::TempDir,
    store: KeyStore,
    kid: String,
    policy: TokenPolicy,
}

fn fixture() -> Fixture {
    crate::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let path = generate_key(dir.path(), KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
    let kid = path.file_stem().unwrap().to_str().unwrap().to_owned();
    let store = KeyStore::open(dir.path(), 300).unwrap();
    Fixture {
        _dir: dir,
        store,
        kid,
        policy: TokenPolicy {
            issuer: "authd".into(),
            audience: "authd".into(),
            client_ids: "web-app,cli".parse().unwrap(),
            access_ttl: 900,
            refresh_ttl: 3600,
            session_ttl: 86_400,
            reuse_grace: 0,
            leeway: LEEWAY,
        },
    }
}

impl Fixture {
    fn verifier(&self) -> AccessTokenVerifier {
        AccessTokenVerifier::new(
            self.store.clone(),
            "authd",
            "authd",
            LEEWAY,
            Arc::new(ManualClock::starting_at(NOW)),
        )
    }

    fn access_token(&self, now: i64) -> String {
        let roles = vec![crate::domain::Role::ADMIN];
        let subject = Subject {
            id: Uuid::new_v4(),
            email: "alice@example.com",
            roles: &roles,
            generation: 0,
        };
        let session = Session::start(now);
        let client = self.policy.client_ids.default_client();
        issue_access_token(
            &self.store.current(),
            &self.policy,
            subject,
            session,
            client,
            now,
        )
        .unwrap()
        .0
    }

    fn refresh_token(&self, session: Session, now: i64) -> (RefreshClaims, String) {
        issue_refresh_token(
            &self.store.current(),
            &self.policy,
            Uuid::new_v4(),
            3,
            session,
            now,
        )
        .unwrap()
        .expect("session still open")
    }

    /// Valid access-token claims at `now`, for tests that change one thing.
    fn claims(&self, now: i64) -> Value {
        json!({
            "iss": "authd", "aud": "authd", "sub": Uuid::new_v4(), "client_id": "authd",
            "email": "alice@example.com",
            "roles": [], "sid": Uuid::new_v4(), "jti": Uuid::new_v4(), "iat": now, "exp": now + 900,
        })
    }

    /// Signs `claims` with the folder's key under a header `customize` may change.
    fn sign(&self, claims: &Value, customize: impl FnOnce(&mut Header)) -> String {
        let ring = self.store.current();
        let key = ring.get(&self.kid).unwrap();
        let mut header = Header::new(key.alg);
        header.kid = Some(self.kid.clone());
        header.typ = Some("at+jwt".into());
        customize(&mut header);
        jsonwebtoken::encode(&header, claims, key.encoding.as_ref().unwrap()).unwrap()
    }
}

/// Replaces the header segment of `token` with `header`, keeping payload and signature.
fn with_header(token: &str, header: &Value) -> String {
    let (_, rest) = token.split_once('.').unwrap();
    format!(
        "{}.{rest}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap())
    )
}

#[test]
fn an_issued_access_token_verifies_with_its_claims() {
    let fixture = fixture();
    let token = fixture.access_token(NOW);

    let claims = fixture.verifier().verify_at(&token, NOW).unwrap();

    assert_eq!(claims.iss, "authd");
    assert_eq!(claims.aud, "authd");
    assert_eq!(claims.client_id, "web-app");
    assert_eq!(claims.email, "alice@example.com");
    assert_eq!(claims.roles, ["admin"]);
    assert_eq!(claims.iat, NOW);
    assert_eq!(claims.exp, NOW + 900);
    assert_eq!(claims.nbf, None);
}

#[test]
fn an_access_token_never_outlives_its_session() {
    let mut fixture = fixture();
    fixture.policy.session_ttl = 100;

    let token = fixture.access_token(NOW);

    let claims = fixture.verifier().verify_at(&token, NOW).unwrap();
    assert_eq!(claims.exp, NOW + 100);
}

#[test]
fn an_access_token_issued_at_or_after_its_sessions_end_lives_one_second() {
    let fixture = fixture();
    let roles = [];
    let subject = Subject {
        id: Uuid::new_v4(),
        email: "alice@example.com",
        roles: &roles,
        generation: 0,
    };
    let ring = fixture.store.current();

    // The session ends now, a second ago, a day ago.
    for ended in [NOW, NOW - 1, NOW - 86_400] {
        let session = Session {
            sid: Uuid::new_v4(),
            auth_time: ended - 86_400,
        };
        let (token, expires_in) = issue_access_token(
            &ring,
            &fixture.policy,
            subject,
            session,
            fixture.policy.client_ids.default_client(),
            NOW,
        )
        .unwrap();

        assert_eq!(expires_in, 1, "session ended at {ended}");
        let claims = fixture.verifier().verify_at(&token, NOW).unwrap();
        assert_eq!(claims.exp, NOW + 1);
    }
}

#[test]
fn expiry_allows_the_leeway_and_not_a_second_more() {
    let fixture = fixture();
    let token = fixture.access_token(NOW);
    let verifier = fixture.verifier();

    assert!(verifier.verify_at(&token, NOW + 900 + LEEWAY).is_ok());
    assert_eq!(
        verifier.verify_at(&token, NOW + 900 + LEEWAY + 1),
        Err(TokenError::Expired)
    );
}

#[test]
fn nbf_is_checked_when_present() {
    let fixture = fixture();
    let mut claims = fixture.claims(NOW);
    claims["nbf"] = json!(NOW + 100);
    let token = fixture.sign(&claims, |_| {});
    let verifier = fixture.verifier();

    assert_eq!(
        verifier.verify_at(&token, NOW),
        Err(TokenError::NotYetValid)
    );
    assert!(verifier.verify_at(&token, NOW + 100 - LEEWAY).is_ok());
}

#[test]
fn a_token_issued_in_the_future_beyond_the_leeway_is_rejected() {
    let fixture = fixture();
    let verifier = fixture.verifier();

    let too_early = fixture.access_token(NOW + LEEWAY + 1);
    let within = fixture.access_token(NOW + LEEWAY);

    assert_eq!(
        verifier.verify_at(&too_early, NOW),
        Err(TokenError::IssuedInFuture)
    );
    assert!(verifier.verify_at(&within, NOW).is_ok());
}

#[test]
fn an_access_token_is_not_a_refresh_token_and_back() {
    let fixture = fixture();
    let access = fixture.access_token(NOW);
    let (_, refresh) = fixture.refresh_token(Session::start(NOW), NOW);
    let ring = fixture.store.current();

    let as_access = fixture.verifier().verify_at(&refresh, NOW);
    let as_refresh = verify_refresh_token(&ring, &fixture.policy, &access, NOW, RefreshCheck::Live);

    assert_eq!(as_access, Err(TokenError::WrongType));
    assert_eq!(as_refresh, Err(TokenError::WrongType));
}

#[test]
fn a_missing_or_other_typ_is_rejected() {
    let fixture = fixture();
    let claims = fixture.claims(NOW);
    let verifier = fixture.verifier();

    for typ in ["JWT", "AT+JWT", "rt+jwt", ""] {
        let token = fixture.sign(&claims, |h| h.typ = Some(typ.to_owned()));
        let verified = verifier.verify_at(&token, NOW);
        assert_eq!(verified, Err(TokenError::WrongType), "{typ:?}");
    }
    // No typ at all: the header itself is incomplete.
    let untyped = fixture.sign(&claims, |h| h.typ = None);
    let verified = verifier.verify_at(&untyped, NOW);
    assert!(
        matches!(verified, Err(TokenError::Header(_))),
        "{verified:?}"
    );
}

#[test]
fn an_unknown_or_missing_kid_is_rejected() {
    let fixture = fixture();
    let claims = fixture.claims(NOW);
    let verifier = fixture.verifier();

    let unknown = fixture.sign(&claims, |h| h.kid = Some("nope".into()));
    let missing = fixture.sign(&claims, |h| h.kid = None);

    assert_eq!(
        verifier.verify_at(&unknown, NOW),
        Err(TokenError::UnknownKey)
    );
    assert!(matches!(
        verifier.verify_at(&missing, NOW),
        Err(TokenError::Header(_))
    ));
}

#[test]
fn an_alg_other_than_the_keys_is_rejected() {
    let fixture = fixture();
    let token = fixture.access_token(NOW);
    let verifier = fixture.verifier();

    // Algorithms authd knows, but not this key's.
    for alg in ["ES256", "RS256", "HS256"] {
        let header = json!({"alg": alg, "kid": fixture.kid, "typ": "at+jwt"});
        let verified = verifier.verify_at(&with_header(&token, &header), NOW);
        assert_eq!(verified, Err(TokenError::WrongAlgorithm), "{alg}");
    }
    // Names no key of authd's can have.
    for alg in ["none", "EdDSA "] {
        let header = json!({"alg": alg, "kid": fixture.kid, "typ": "at+jwt"});
        let verified = verifier.verify_at(&with_header(&token, &header), NOW);
        assert!(
            matches!(verified, Err(TokenError::Header(_))),
            "{alg}: {verified:?}"
        );
    }
}

#[test]
fn headers_that_carry_keys_or_critical_extensions_are_rejected() {
    let fixture = fixture();
    let token = fixture.access_token(NOW);
    let verifier = fixture.verifier();

    for (name, value) in [
        ("crit", json!(["exp"])),
        ("jwk", json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"})),
        ("jku", json!("https://evil.example/jwks.json")),
        ("x5u", json!("https://evil.example/cert.pem")),
        ("x5c", json!(["AAAA"])),
    ] {
        let mut header = json!({"alg": "EdDSA", "kid": fixture.kid, "typ": "at+jwt"});
        header[name] = value;
        let verified = verifier.verify_at(&with_header(&token, &header), NOW);
        assert!(
            matches!(verified, Err(TokenError::Header(_))),
            "{name}: {verified:?}"
        );
    }
}

#[test]
fn tokens_over_8_kib_are_rejected_before_decoding() {
    let fixture = fixture();
    let verifier = fixture.verifier();
    let mut claims = fixture.claims(NOW);
    claims["roles"] = json!(vec!["role"; 2_000]);
    let long_but_genuine = fixture.sign(&claims, |_| {});
    assert!(long_but_genuine.len() > MAX_TOKEN_BYTES);

    assert_eq!(
        verifier.verify_at(&"a".repeat(MAX_TOKEN_BYTES + 1), NOW),
        Err(TokenError::TooLong)
    );
    assert_eq!(
        verifier.verify_at(&long_but_genuine, NOW),
        Err(TokenError::TooLong)
    );
    let ring = fixture.store.current();
    assert_eq!(
        verify_refresh_token(
            &ring,
            &fixture.policy,
            &"a".repeat(MAX_TOKEN_BYTES + 1),
            NOW,
            RefreshCheck::Live
        ),
        Err(TokenError::TooLong)
    );
}

#[test]
fn required_claims_must_be_present_and_of_their_type() {
    let fixture = fixture();
    let verifier = fixture.verifier();

    let mut cases = Vec::new();
    for missing in ["exp", "iat", "iss", "aud", "sub", "jti", "sid", "client_id"] {
        let mut claims = fixture.claims(NOW);
        claims.as_object_mut().unwrap().remove(missing);
        cases.push((format!("without {missing}"), claims));
    }
    for (name, value) in [
        ("exp", json!((NOW + 900).to_string())),
        ("iat", json!(NOW.to_string())),
        ("sub", json!("alice")),
        ("jti", json!(42)),
        ("sid", json!("not-a-uuid")),
        ("roles", json!("admin")),
        ("iss", json!(7)),
        ("aud", json!(["authd"])),
        ("client_id", json!(7)),
        ("client_id", json!(null)),
        ("client_id", json!(["authd"])),
    ] {
        let mut claims = fixture.claims(NOW);
        claims[name] = value.clone();
        cases.push((format!("{name} = {value}"), claims));
    }

    for (case, claims) in cases {
        let token = fixture.sign(&claims, |_| {});
        let verified = verifier.verify_at(&token, NOW);
        assert!(
            matches!(verified, Err(TokenError::InvalidClaims(_))),
            "{case}: {verified:?}"
        );
    }
}

#[test]
fn another_issuer_or_audience_is_named_as_such() {
    let fixture = fixture();
    let verifier = fixture.verifier();
    let mut elsewhere = fixture.claims(NOW);
    elsewhere["iss"] = json!("elsewhere");
    let mut billing = fixture.claims(NOW);
    billing["aud"] = json!("billing");

    let wrong_issuer = verifier.verify_at(&fixture.sign(&elsewhere, |_| {}), NOW);
    let wrong_audience = verifier.verify_at(&fixture.sign(&billing, |_| {}), NOW);

    assert_eq!(wrong_issuer, Err(TokenError::WrongIssuer));
    assert_eq!(wrong_audience, Err(TokenError::WrongAudience));
}

#[test]
fn a_tampered_payload_or_signature_is_rejected() {
    let fixture = fixture();
    let token = fixture.access_token(NOW);
    let verifier = fixture.verifier();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["roles"] = json!(["admin", "root"]);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let tampered_payload = format!("{}.{payload}.{}", parts[0], parts[2]);
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[0] ^= 1;
    let tampered_signature = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(signature)
    );

    for bad in [tampered_payload, tampered_signature] {
        assert_eq!(verifier.verify_at(&bad, NOW), Err(TokenError::BadSignature));
    }
}

#[test]
fn malformed_compact_forms_are_rejected() {
    let fixture = fixture();
    let token = fixture.access_token(NOW);
    let verifier = fixture.verifier();

    for bad in [
        String::new(),
        "abc".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        format!("{token}."),
        format!("{}..{}", token.split('.').next().unwrap(), "sig"),
        token.replacen('.', "+.", 1),
    ] {
        assert_eq!(
            verifier.verify_at(&bad, NOW),
            Err(TokenError::Malformed),
            "{bad:?}"
        );
    }
}

#[test]
fn a_refresh_token_verifies_with_its_claims_until_exp_and_leeway() {
    let fixture = fixture();
    let session = Session::start(NOW - 10);
    let (issued, token) = fixture.refresh_token(session, NOW);
    let ring = fixture.store.current();
    let verify = |now, check| verify_refresh_token(&ring, &fixture.policy, &token, now, check);

    let claims = verify(NOW, RefreshCheck::Live).unwrap();

    assert_eq!(claims, issued);
    assert_eq!(claims.aud, "authd/refresh");
    assert_eq!(claims.auth_time, NOW - 10);
    assert_eq!(claims.gen, 3);
    assert_eq!(claims.exp, NOW + 3600);
    assert!(verify(NOW + 3600 + LEEWAY, RefreshCheck::Live).is_ok());
    assert_eq!(
        verify(NOW + 3600 + LEEWAY + 1, RefreshCheck::Live),
        Err(TokenError::Expired)
    );
    // Logout accepts an expired token: only the signature matters there.
    assert!(verify(NOW + 86_400 * 365, RefreshCheck::SignatureOnly).is_ok());
}

#[test]
fn a_refresh_token_never_outlives_its_session() {
    let fixture = fixture();
    let session = Session::start(NOW - 86_400 + 100);

    let (claims, _) = fixture.refresh_token(session, NOW);
    let ended = issue_refresh_token(
        &fixture.store.current(),
        &fixture.policy,
        Uuid::new_v4(),
        0,
        session,
        NOW + 100,
    )
    .unwrap();

    assert_eq!(claims.exp, NOW + 100);
    assert!(ended.is_none());
}

#[test]
fn a_refresh_token_is_bound_to_the_issuer_and_its_mac_key() {
    let fixture = fixture();
    let other = self::fixture();
    let (_, token) = fixture.refresh_token(Session::start(NOW), NOW);
    let mut elsewhere = fixture.policy.clone();
    elsewhere.issuer = "elsewhere".into();
    let ring = fixture.store.current();

    let wrong_issuer = verify_refresh_token(&ring, &elsewhere, &token, NOW, RefreshCheck::Live);
    // Same kid, another key file: the derived MAC key differs.
    let other_key = {
        let header = json!({"alg": "HS256", "kid": other.kid, "typ": "rt+jwt"});
        with_header(&token, &header)
    };
    let wrong_key = verify_refresh_token(
        &other.store.current(),
        &other.policy,
        &other_key,
        NOW,
        RefreshCheck::Live,
    );

    assert_eq!(wrong_issuer, Err(TokenError::WrongIssuer));
    assert_eq!(wrong_key, Err(TokenError::BadSignature));
}

#[test]
fn a_refresh_token_signed_with_the_public_algorithm_is_rejected() {
    let fixture = fixture();
    let mut claims = fixture.claims(NOW);
    claims["aud"] = json!("authd/refresh");
    claims["auth_time"] = json!(NOW);
    claims["gen"] = json!(0);
    let token = fixture.sign(&claims, |h| h.typ = Some("rt+jwt".into()));

    let verified = verify_refresh_token(
        &fixture.store.current(),
        &fixture.policy,
        &token,
        NOW,
        RefreshCheck::Live,
    );

    assert_eq!(verified, Err(TokenError::WrongAlgorithm));
}

#[test]
fn check_times_uses_the_injected_now_only() {
    assert!(check_times(NOW, None, NOW, NOW, 0).is_ok());
    assert_eq!(
        check_times(NOW, None, NOW, NOW + 1, 0),
        Err(TokenError::Expired)
    );
    assert_eq!(
        check_times(NOW + 10, Some(NOW + 1), NOW, NOW, 0),
        Err(TokenError::NotYetValid)
    );
    assert_eq!(
        check_times(NOW + 10, None, NOW + 1, NOW, 0),
        Err(TokenError::IssuedInFuture)
    );
    assert!(check_times(i64::MAX, Some(i64::MIN), i64::MIN, NOW, i64::MAX).is_ok());
}

#[test]
fn a_token_pair_prints_its_tokens_redacted() {
    let pair = TokenPair {
        access_token: "eyJ.access.token".into(),
        token_type: "Bearer".into(),
        expires_in: 900,
        refresh_token: "eyJ.refresh.token".into(),
        refresh_expires_in: 60,
    };

    assert_eq!(
        format!("{pair:?}"),
        "TokenPair { access_token: \"[redacted]\", token_type: \"Bearer\", expires_in: 900, \
         refresh_token: \"[redacted]\", refresh_expires_in: 60 }"
    );
}
