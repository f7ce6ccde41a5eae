//! Header attacks (RFC 8725 §3.10, RFC 7515 §4.1.11; jwt_tool `-X i`, `-X s`, `-X k`,
//! `-I -hc kid`): keys the token brings along (`jwk`, `jku`, `x5u`, `x5c`), `kid` path
//! traversal, injection and type confusion, and `crit`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use super::keys::{server_key, AttackerKey, AttackerServer};
use super::{hs256_token, spawn_target};

#[tokio::test]
async fn keys_carried_in_the_header_are_never_used_or_fetched() {
    let target = spawn_target().await;
    let key = server_key(&target.app);
    let attacker = AttackerKey::generate();
    let jwks = AttackerServer::start(json!({"keys": [attacker.jwk(&key.kid)]})).await;
    let claims = target.escalated_claims();
    let x5c = json!([STANDARD.encode(attacker.spki_der())]);
    for kid in [Some(key.kid.as_str()), Some("attacker"), None] {
        for (name, value) in [
            ("jwk", attacker.jwk(kid.unwrap_or("attacker"))),
            ("jku", json!(jwks.url)),
            ("x5u", json!(jwks.url)),
            // The attacker's SubjectPublicKeyInfo in the certificate slot: authd must refuse
            // the header itself, whatever it holds.
            ("x5c", x5c.clone()),
        ] {
            let mut header = json!({"alg": "EdDSA", "typ": "at+jwt"});
            header[name] = value;
            if let Some(kid) = kid {
                header["kid"] = json!(kid);
            }
            let token = attacker.sign(&header, &claims);
            let case = format!("attacker key via {name}, kid {kid:?}");
            target.assert_access_rejected(&token, &case).await;
        }
    }
    // The same headers beside a genuine signature: API.md refuses the header itself.
    let own_jwks = target.app.url("/.well-known/jwks.json");
    let own_jwk: Value = serde_json::from_str::<Value>(
        &target
            .app
            .client
            .get(&own_jwks)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap()["keys"][0]
        .clone();
    for (name, value) in [
        ("jwk", own_jwk),
        ("jku", json!(own_jwks)),
        ("x5u", json!(own_jwks)),
        ("x5c", x5c),
    ] {
        let mut header = key.access_header();
        header[name] = value;
        let token = key.sign(&header, &claims);
        let case = format!("genuine signature with a {name} header");
        target.assert_access_rejected(&token, &case).await;
    }
    assert_eq!(jwks.hits(), 0, "authd fetched the attacker's jku/x5u");
    target.assert_unharmed().await;
}

#[tokio::test]
async fn kid_path_traversal_and_injection_are_rejected() {
    let target = spawn_target().await;
    let key = server_key(&target.app);
    let claims = target.escalated_claims();
    let passwd = std::fs::read("/etc/passwd").unwrap_or_default();
    let key_path = key.path.to_str().unwrap().to_owned();
    // (kid, the HMAC secret an attacker expects that kid to select)
    let guesses: Vec<(String, Vec<u8>)> = vec![
        ("../../../../dev/null".into(), Vec::new()),
        ("/dev/null".into(), Vec::new()),
        ("../../../../../../../../dev/null".into(), Vec::new()),
        ("/etc/passwd".into(), passwd.clone()),
        ("../../../../etc/passwd".into(), passwd),
        ("' OR 1=1 --".into(), Vec::new()),
        ("' OR 1=1 --".into(), b"1".to_vec()),
        ("x' UNION SELECT 'ATTACKER';--".into(), b"ATTACKER".to_vec()),
        ("|id".into(), Vec::new()),
        ("${jndi:ldap://127.0.0.1/a}".into(), Vec::new()),
        (key_path.clone(), key.pem.clone()),
        (format!("{}.pem", key.kid), key.pem.clone()),
        (key.kid.clone(), key.pem.clone()),
        (key.kid.clone(), Vec::new()),
    ];
    for (kid, secret) in &guesses {
        let header = json!({"alg": "HS256", "kid": kid, "typ": "at+jwt"});
        let token = hs256_token(secret, &header, &claims);
        let case = format!("HS256 with kid {kid:?}, secret of {} bytes", secret.len());
        target.assert_access_rejected(&token, &case).await;
    }
    // A genuine signature, but the kid names no key of the folder, or is no string at all.
    let alg = key.alg_name();
    let kids = [
        json!(format!("{}.pem", key.kid)),
        json!(format!("./{}", key.kid)),
        json!(format!("../keys/{}", key.kid)),
        json!(key_path),
        json!(key.kid.to_uppercase()),
        json!(format!("{}\u{0}", key.kid)),
        json!(format!("{} ", key.kid)),
        json!(""),
        json!(123),
        json!(null),
        json!(true),
        json!([key.kid]),
        json!({"kid": key.kid}),
    ];
    for kid in kids {
        let header = json!({"alg": alg, "kid": kid, "typ": "at+jwt"});
        let token = key.sign(&header, &claims);
        let case = format!("genuine signature, kid {kid}");
        target.assert_access_rejected(&token, &case).await;
    }
    let token = key.sign(&json!({"alg": alg, "typ": "at+jwt"}), &claims);
    target
        .assert_access_rejected(&token, "genuine signature, no kid")
        .await;
    target.assert_unharmed().await;
}

#[tokio::test]
async fn a_crit_header_is_rejected_even_with_a_genuine_signature() {
    let target = spawn_target().await;
    let key = server_key(&target.app);
    let (_, claims) = target.genuine_access();
    // The control: the same signer without `crit` is accepted.
    let control = key.sign(&key.access_header(), &claims);
    let me = target.app.get_with_token("/auth/me", &control).await;
    assert_eq!(me.status(), 200, "a re-signed genuine token is accepted");
    for (case, crit) in [
        ("crit [exp]", json!({"crit": ["exp"]})),
        (
            "crit [b64], b64 false",
            json!({"crit": ["b64"], "b64": false}),
        ),
        ("crit [] (invalid per RFC 7515)", json!({"crit": []})),
        (
            "crit naming an unknown header",
            json!({"crit": ["x-authd"], "x-authd": 1}),
        ),
        ("crit as a string", json!({"crit": "exp"})),
    ] {
        let mut header = key.access_header();
        for (name, value) in crit.as_object().unwrap() {
            header[name] = value.clone();
        }
        let token = key.sign(&header, &claims);
        target.assert_access_rejected(&token, case).await;
    }
    target.assert_unharmed().await;
}
