//! `GET /.well-known/jwks.json`: every public key, and only public keys; access tokens verify
//! through it with an independent JWT library path, refresh tokens never do.

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    empty_keys_settings, hs256_secret, jwt_part, openssl_private_key, openssl_public_key,
    spawn_app, spawn_app_in, spawn_app_with, OpensslKey, TestApp,
};

/// Verifies `token` the way a third-party resource server would: JWKS key by `kid`.
fn verify_with_jwks(jwks: &JwkSet, token: &str) -> jsonwebtoken::errors::Result<Value> {
    let header = jsonwebtoken::decode_header(token)?;
    let kid = header.kid.unwrap_or_default();
    let jwk = jwks
        .find(&kid)
        .ok_or(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)?;
    let alg: Algorithm = jwk
        .common
        .key_algorithm
        .map(|a| a.to_string().parse().unwrap())
        .unwrap();
    let mut validation = Validation::new(alg);
    validation.set_audience(&["authd"]);
    validation.set_issuer(&["authd"]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let key = DecodingKey::from_jwk(jwk)?;
    jsonwebtoken::decode::<Value>(token, &key, &validation).map(|data| data.claims)
}

async fn app_with_one_key(kind: OpensslKey) -> TestApp {
    let (dir, settings) = empty_keys_settings();
    openssl_private_key(&settings.keys.dir, "k1", kind);
    spawn_app_in(dir, settings).await
}

#[tokio::test]
async fn the_jwks_is_cacheable_for_the_configured_max_age() {
    let default = spawn_app().await;
    let short = spawn_app_with(|s| s.keys.jwks_max_age = 60).await;

    let response = default
        .client
        .get(default.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    let short_response = short
        .client
        .get(short.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        short_response.headers()["cache-control"],
        "public, max-age=60"
    );
}

#[tokio::test]
async fn every_published_key_has_a_kid_an_alg_and_use_sig() {
    let app = spawn_app().await;

    let body: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let keys = body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    for key in keys {
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()), "{key}");
        assert_eq!(key["alg"], "EdDSA");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["kty"], "OKP");
        assert_eq!(key["crv"], "Ed25519");
        assert!(key.get("d").is_none(), "private part published: {key}");
    }
}

#[tokio::test]
async fn an_access_token_verifies_through_the_jwks_for_every_kind_of_key() {
    for (kind, alg) in [
        (OpensslKey::Ed25519, "EdDSA"),
        (OpensslKey::P256, "ES256"),
        (OpensslKey::Rsa, "RS256"),
    ] {
        let app = app_with_one_key(kind).await;
        let tokens = app.signed_up("alice@example.com").await;
        let jwks = app.jwks().await;

        let claims = verify_with_jwks(&jwks, &tokens.access)
            .unwrap_or_else(|e| panic!("{kind:?} token does not verify through the JWKS: {e}"));

        assert_eq!(jwt_part(&tokens.access, 0)["alg"], alg);
        assert_eq!(jwt_part(&tokens.access, 0)["kid"], "k1");
        assert_eq!(claims["email"], "alice@example.com");
        let me = app.get_with_token("/auth/me", &tokens.access).await;
        assert_eq!(me.status(), StatusCode::OK, "{kind:?}");
    }
}

#[tokio::test]
async fn a_refresh_token_verifies_with_no_key_of_the_jwks() {
    let (dir, settings) = empty_keys_settings();
    openssl_private_key(&settings.keys.dir, "k1", OpensslKey::Ed25519);
    openssl_private_key(&settings.keys.dir, "k2", OpensslKey::P256);
    openssl_private_key(&settings.keys.dir, "k3", OpensslKey::Rsa);
    let app = spawn_app_in(dir, settings).await;
    let tokens = app.signed_up("alice@example.com").await;
    let jwks = app.jwks().await;
    assert_eq!(jwks.keys.len(), 3);

    assert!(verify_with_jwks(&jwks, &tokens.refresh).is_err());
    for jwk in &jwks.keys {
        let key = DecodingKey::from_jwk(jwk).unwrap();
        for alg in [
            Algorithm::HS256,
            Algorithm::EdDSA,
            Algorithm::ES256,
            Algorithm::RS256,
        ] {
            let mut validation = Validation::new(alg);
            validation.validate_aud = false;
            let verified = jsonwebtoken::decode::<Value>(&tokens.refresh, &key, &validation);
            assert!(
                verified.is_err(),
                "refresh token verified with {:?} as {alg:?}",
                jwk.common.key_id
            );
        }
    }
}

#[tokio::test]
async fn keys_of_every_kind_are_published_and_secrets_never_are() {
    let (dir, settings) = empty_keys_settings();
    let keys = settings.keys.dir.clone();
    openssl_private_key(&keys, "k2-ed25519", OpensslKey::Ed25519);
    openssl_private_key(&keys, "k3-p256", OpensslKey::P256);
    openssl_private_key(&keys, "k4-rsa", OpensslKey::Rsa);
    let elsewhere = tempfile::tempdir().unwrap();
    let verify_only = openssl_private_key(elsewhere.path(), "private", OpensslKey::Ed25519);
    openssl_public_key(&verify_only, &keys, "k0-verify-only");
    hs256_secret(&keys, "k1-secret", 40);
    std::fs::write(keys.join("README.md"), "not a key").unwrap();
    std::fs::write(keys.join(".gitignore"), "*\n").unwrap();
    let app = spawn_app_in(dir, settings).await;

    let jwks = app.jwks().await;

    let mut kids: Vec<String> = jwks
        .keys
        .iter()
        .map(|k| k.common.key_id.clone().unwrap())
        .collect();
    kids.sort();
    assert_eq!(kids, ["k0-verify-only", "k2-ed25519", "k3-p256", "k4-rsa"]);
    for jwk in &jwks.keys {
        assert_eq!(
            jwk.common.public_key_use,
            Some(jsonwebtoken::jwk::PublicKeyUse::Signature)
        );
        assert!(jwk.common.key_algorithm.is_some());
        assert!(
            !matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)),
            "a secret was published"
        );
    }
    let raw: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in raw["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none() && key.get("k").is_none(), "{key}");
        assert!(key.get("p").is_none() && key.get("q").is_none(), "{key}");
    }
    // None has qualified yet, so the key that can sign and was published first signs.
    let tokens = app.signed_up("alice@example.com").await;
    assert_eq!(jwt_part(&tokens.access, 0)["kid"], "k2-ed25519");
    assert!(verify_with_jwks(&jwks, &tokens.access).is_ok());
}

#[tokio::test]
async fn a_folder_with_only_an_hs256_secret_signs_hs256_and_publishes_nothing() {
    let (dir, settings) = empty_keys_settings();
    hs256_secret(&settings.keys.dir, "k1", 40);
    let app = spawn_app_in(dir, settings).await;

    let tokens = app.signed_up("alice@example.com").await;

    assert_eq!(app.jwks().await.keys.len(), 0);
    assert_eq!(jwt_part(&tokens.access, 0)["alg"], "HS256");
    assert_eq!(jwt_part(&tokens.access, 0)["typ"], "at+jwt");
    let me = app.get_with_token("/auth/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(app.refresh(&tokens.refresh).await.status(), StatusCode::OK);
    // The refresh MAC key is derived, not the secret itself.
    let secret = std::fs::read(app.settings.keys.dir.join("k1.hs256")).unwrap();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    let as_secret = jsonwebtoken::decode::<Value>(
        &tokens.refresh,
        &DecodingKey::from_secret(&secret),
        &validation,
    );
    assert!(as_secret.is_err());
}

#[tokio::test]
async fn a_token_signed_with_the_private_half_of_a_verify_only_key_is_accepted() {
    let (dir, settings) = empty_keys_settings();
    openssl_private_key(&settings.keys.dir, "k2-signer", OpensslKey::Ed25519);
    let elsewhere = tempfile::tempdir().unwrap();
    let private = openssl_private_key(elsewhere.path(), "other", OpensslKey::P256);
    openssl_public_key(&private, &settings.keys.dir, "k1-partner");
    let app = spawn_app_in(dir, settings).await;
    let now = authd::clock::Clock::now(&app.clock);
    let claims = serde_json::json!({
        "iss": "authd", "aud": "authd", "sub": uuid::Uuid::new_v4(), "client_id": "authd",
        "email": "partner@example.com",
        "roles": [], "sid": uuid::Uuid::new_v4(), "jti": uuid::Uuid::new_v4(),
        "iat": now, "exp": now + 60,
    });
    let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
    header.kid = Some("k1-partner".into());
    header.typ = Some("at+jwt".into());
    let key = jsonwebtoken::EncodingKey::from_ec_pem(&std::fs::read(&private).unwrap()).unwrap();
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();

    let response = app.get_with_token("/auth/me", &token).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "partner@example.com");
    // It verifies, but never signs: authd's own tokens use its private key.
    let tokens = app.signed_up("alice@example.com").await;
    assert_eq!(jwt_part(&tokens.access, 0)["kid"], "k2-signer");
}

#[tokio::test]
async fn a_short_hs256_secret_is_a_start_up_error() {
    let (dir, settings) = empty_keys_settings();
    hs256_secret(&settings.keys.dir, "k1", 31);

    let built = authd::startup::Application::build(settings).await;

    let err = built.err().expect("a 31-byte secret must not start");
    assert!(format!("{err:#}").contains("AUTHD_KEYS_DIR"), "{err:#}");
    drop(dir);
}
