//! A genuine signature over bad claims (RFC 8725 §3.8–3.11, RFC 9068 §4, RFC 7519 §4.1):
//! each case is signed with the server's own key, read from its keys folder, so the only
//! thing wrong is the one claim or header the case changes. A control case proves the
//! signer makes tokens authd accepts.

use serde_json::{json, Value};

use super::keys::server_key;
use super::{spawn_target, Target};

/// Removes `name` from a JSON object.
fn without(mut value: Value, name: &str) -> Value {
    value.as_object_mut().unwrap().remove(name);
    value
}

fn with(mut value: Value, name: &str, new: Value) -> Value {
    value[name] = new;
    value
}

/// The control: re-signed genuine claims are accepted, and so are escalated ones (the
/// server key can mint anything), so every rejection below is the case's doing.
async fn assert_the_signer_works(target: &Target, header: &Value, claims: &Value) {
    let key = server_key(&target.app);
    let token = key.sign(header, claims);
    let me = target.app.get_with_token("/admin/users", &token).await;
    assert_eq!(
        me.status(),
        200,
        "control: a re-signed admin token is accepted"
    );
}

#[tokio::test]
async fn a_genuine_signature_over_bad_claims_is_rejected() {
    let target = spawn_target().await;
    let key = server_key(&target.app);
    let header = key.access_header();
    let claims = target.escalated_claims();
    assert_the_signer_works(&target, &header, &claims).await;
    let now = target.now();
    let leeway = target.app.settings.tokens.leeway as i64;
    let c = || claims.clone();
    let mut cases: Vec<(String, Value)> = vec![];
    let mut case = |name: &str, value: Value| cases.push((name.to_owned(), value));
    for (claim, values) in [
        (
            "iss",
            vec![
                json!("evil"),
                json!("AUTHD"),
                json!("authd "),
                json!(""),
                json!(null),
                json!(1),
                json!(["authd"]),
            ],
        ),
        (
            "aud",
            vec![
                json!("evil"),
                json!("authd/refresh"),
                json!(""),
                json!(["evil"]),
                json!(null),
                json!(7),
            ],
        ),
        (
            "exp",
            vec![
                json!(now - leeway - 1),
                json!(now - 86_400),
                json!(0),
                json!(-1),
                json!("9999999999"),
                json!(format!("{}", now + 600)),
                json!((now + 600) as f64 + 0.5),
                json!(1e300),
                json!(null),
                json!(true),
            ],
        ),
        (
            "nbf",
            vec![
                json!(now + leeway + 60),
                json!(i64::MAX),
                json!("0"),
                json!(0.5),
                json!([0]),
            ],
        ),
        (
            "iat",
            vec![
                json!(now + leeway + 60),
                json!(i64::MAX),
                json!("0"),
                json!(now as f64 + 0.5),
                json!(null),
            ],
        ),
        (
            "sub",
            vec![
                json!("admin"),
                json!(""),
                json!(1),
                json!("00000000-0000-0000-0000-00000000000g"),
                json!(null),
                json!({"id": 1}),
            ],
        ),
        (
            "sid",
            vec![json!("session"), json!(""), json!(2), json!(null)],
        ),
        ("jti", vec![json!("jti"), json!(""), json!(3), json!(null)]),
        (
            "roles",
            vec![
                json!("admin"),
                json!([1]),
                json!({"admin": true}),
                json!(null),
            ],
        ),
        (
            "email",
            vec![json!(5), json!(null), json!(["victim@example.com"])],
        ),
        (
            "client_id",
            vec![
                json!(5),
                json!(null),
                json!(["authd"]),
                json!({"id": "authd"}),
            ],
        ),
    ] {
        for value in values {
            case(&format!("{claim} = {value}"), with(c(), claim, value));
        }
    }
    for claim in [
        "iss",
        "aud",
        "exp",
        "iat",
        "sub",
        "sid",
        "jti",
        "roles",
        "email",
        "client_id",
    ] {
        case(&format!("{claim} missing"), without(c(), claim));
    }
    case("claims not an object", json!([c()]));
    case("claims a string", json!("admin"));
    for (name, claims) in cases {
        let token = key.sign(&header, &claims);
        target.assert_access_rejected(&token, &name).await;
    }
    target.assert_unharmed().await;
}

#[tokio::test]
async fn a_genuine_signature_under_a_bad_header_is_rejected() {
    let target = spawn_target().await;
    let key = server_key(&target.app);
    let claims = target.escalated_claims();
    assert_the_signer_works(&target, &key.access_header(), &claims).await;
    let h = || key.access_header();
    let headers = [
        ("typ JWT", with(h(), "typ", json!("JWT"))),
        ("typ absent", without(h(), "typ")),
        ("typ rt+jwt", with(h(), "typ", json!("rt+jwt"))),
        ("typ empty", with(h(), "typ", json!(""))),
        ("typ null", with(h(), "typ", json!(null))),
        ("typ a number", with(h(), "typ", json!(1))),
        (
            "alg names another algorithm",
            with(h(), "alg", json!("ES256")),
        ),
        ("alg RS256", with(h(), "alg", json!("RS256"))),
        (
            "alg lower-case",
            with(h(), "alg", json!(key.alg_name().to_lowercase())),
        ),
        ("alg absent", without(h(), "alg")),
        ("alg null", with(h(), "alg", json!(null))),
        ("header an array", json!([h()])),
    ];
    for (name, header) in headers {
        let token = key.sign(&header, &claims);
        target.assert_access_rejected(&token, name).await;
    }
    // Duplicated members: a parser that keeps the last one would see other claims than
    // one that keeps the first.
    let header = key.access_header().to_string();
    let claims_text = target.escalated_claims().to_string();
    let roles_first = claims_text.replacen('{', "{\"roles\":[],", 1);
    let typ_twice = header.replacen('{', "{\"typ\":\"JWT\",", 1);
    let alg_twice = header.replacen('{', "{\"alg\":\"none\",", 1);
    for (name, header, claims) in [
        (
            "roles twice in the claims",
            header.as_str(),
            roles_first.as_str(),
        ),
        (
            "typ twice in the header",
            typ_twice.as_str(),
            claims_text.as_str(),
        ),
        (
            "alg twice in the header",
            alg_twice.as_str(),
            claims_text.as_str(),
        ),
    ] {
        let token = key.sign_raw(header, claims);
        target.assert_access_rejected(&token, name).await;
    }
    target.assert_unharmed().await;
}

#[tokio::test]
async fn a_genuinely_signed_token_over_8_kib_is_rejected_before_decoding() {
    let target = spawn_target().await;
    let key = server_key(&target.app);
    let header = key.access_header();
    let just_under = target.escalated_claims();
    let token = key.sign(&header, &just_under);
    assert!(token.len() < 8 * 1024);
    let mut claims = target.escalated_claims();
    claims["roles"] = json!(vec!["admin"; 1200]);
    let token = key.sign(&header, &claims);
    assert!(token.len() > 8 * 1024, "{} bytes", token.len());
    target
        .assert_access_rejected(&token, "9 KiB genuine token")
        .await;
    target.assert_unharmed().await;
}

#[tokio::test]
async fn refresh_and_access_tokens_are_not_interchangeable() {
    let target = spawn_target().await;
    let victim = &target.victim;
    target
        .assert_access_rejected(&victim.refresh, "refresh token as Bearer")
        .await;
    target
        .assert_grant_rejected(&victim.access, "access token as refresh_token")
        .await;
    // An access token dressed as a refresh token, and the other way round, still signed
    // by their own keys: the typ changes, the MAC or signature no longer matches the key.
    let key = server_key(&target.app);
    let (_, access_claims) = target.genuine_access();
    let mut header = key.access_header();
    header["typ"] = json!("rt+jwt");
    let token = key.sign(&header, &access_claims);
    target
        .assert_grant_rejected(&token, "server-signed rt+jwt access claims")
        .await;
    target.assert_unharmed().await;
}

#[tokio::test]
async fn a_genuine_refresh_mac_over_bad_claims_is_rejected() {
    let target = spawn_target().await;
    let key = server_key(&target.app);
    let secret = key.refresh_secret();
    // A second session of the victim, so the control's rotation does not touch the first.
    let second = target
        .app
        .logged_in(super::VICTIM, crate::helpers::PASSWORD)
        .await;
    let header = crate::helpers::jwt_part(&second.refresh, 0);
    let claims = crate::helpers::jwt_part(&second.refresh, 1);
    let sign = |header: &Value, claims: &Value| super::hs256_token(&secret, header, claims);
    let control = target.app.refresh(&sign(&header, &claims)).await;
    assert_eq!(
        control.status(),
        200,
        "control: the derived MAC key is right"
    );
    let now = target.now();
    let c = || claims.clone();
    let h = || header.clone();
    // Malformed for every purpose: neither refresh nor logout takes them.
    let mut cases: Vec<(String, Value, Value)> = vec![
        (
            "aud of access tokens".into(),
            h(),
            with(c(), "aud", json!("authd")),
        ),
        ("iss evil".into(), h(), with(c(), "iss", json!("evil"))),
        ("typ at+jwt".into(), with(h(), "typ", json!("at+jwt")), c()),
        ("typ absent".into(), without(h(), "typ"), c()),
        ("crit".into(), with(h(), "crit", json!(["exp"])), c()),
        ("alg HS512".into(), with(h(), "alg", json!("HS512")), c()),
        (
            "exp a string".into(),
            h(),
            with(c(), "exp", json!(format!("{}", now + 600))),
        ),
        (
            "exp a float".into(),
            h(),
            with(c(), "exp", json!((now + 600) as f64 + 0.5)),
        ),
        ("gen a string".into(), h(), with(c(), "gen", json!("0"))),
        (
            "sub not a UUID".into(),
            h(),
            with(c(), "sub", json!("victim")),
        ),
        ("sid not a UUID".into(), h(), with(c(), "sid", json!("s"))),
    ];
    for claim in [
        "iss",
        "aud",
        "sub",
        "sid",
        "jti",
        "iat",
        "exp",
        "auth_time",
        "gen",
    ] {
        cases.push((format!("{claim} missing"), h(), without(c(), claim)));
    }
    for (name, header, claims) in cases {
        // Each forgery gets a fresh jti, so a rejection is never the replay check's doing.
        let claims = match claims.get("jti") {
            Some(_) => with(claims, "jti", json!(uuid::Uuid::new_v4())),
            None => claims,
        };
        target
            .assert_grant_rejected(&sign(&header, &claims), &name)
            .await;
    }
    // Well-formed and genuinely signed but no longer good for a refresh (logout still takes
    // an expired or stale token, by design, so only refresh is asserted).
    let stale = [
        ("exp passed", with(c(), "exp", json!(now - 3600))),
        ("iat in the future", with(c(), "iat", json!(now + 3600))),
        (
            "gen bumped",
            with(c(), "gen", json!(claims["gen"].as_i64().unwrap() + 1)),
        ),
        (
            "sub of nobody",
            with(c(), "sub", json!(uuid::Uuid::new_v4())),
        ),
    ];
    for (name, claims) in stale {
        let claims = with(claims, "jti", json!(uuid::Uuid::new_v4()));
        let response = target.app.refresh(&sign(&header, &claims)).await;
        super::expect_error(response, 401, "invalid_grant", None, name).await;
    }
    target.assert_unharmed().await;
}
