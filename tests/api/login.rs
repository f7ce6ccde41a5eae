//! `POST /auth/login`: a token pair and a device token for the right password; one and the
//! same 401 for everything else.

use authd::domain::{Email, Password, PasswordPolicy};
use authd::hashing::Argon2Settings;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_error, jwt_part, spawn_app, spawn_app_with, PASSWORD};

fn uuid(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().unwrap_or_default())
        .unwrap_or_else(|_| panic!("{value} is not a UUID"))
}

#[tokio::test]
async fn a_login_answers_a_token_pair_and_a_device_token_that_are_never_cached() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let response = app.login("alice@example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "access_token",
            "device_token",
            "expires_in",
            "refresh_expires_in",
            "refresh_token",
            "token_type"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_expires_in"], 1_209_600);
    assert!(body["device_token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn the_access_token_carries_the_documented_header_and_claims() {
    let app = spawn_app().await;
    let registered: Value = app
        .register("alice@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let now = authd::clock::Clock::now(&app.clock);

    let tokens = app.logged_in("alice@example.com", PASSWORD).await;

    let header = jwt_part(&tokens.access, 0);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    let kid = header["kid"].as_str().unwrap();
    assert_eq!(app.keys.current().kids().collect::<Vec<_>>(), [kid]);
    let claims = jwt_part(&tokens.access, 1);
    assert_eq!(claims["iss"], "authd");
    assert_eq!(claims["aud"], "authd");
    assert_eq!(claims["sub"], registered["id"]);
    assert_eq!(claims["client_id"], "authd");
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["roles"], json!([]));
    uuid(&claims["sid"]);
    uuid(&claims["jti"]);
    assert_eq!(claims["iat"], now);
    assert_eq!(claims["exp"], now + 900);
}

#[tokio::test]
async fn the_refresh_token_carries_its_own_type_audience_and_session_claims() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;
    let now = authd::clock::Clock::now(&app.clock);

    let tokens = app.logged_in("alice@example.com", PASSWORD).await;

    let header = jwt_part(&tokens.refresh, 0);
    assert_eq!(header["typ"], "rt+jwt");
    assert_eq!(header["alg"], "HS256");
    assert!(header["kid"].is_string());
    let claims = jwt_part(&tokens.refresh, 1);
    let access = jwt_part(&tokens.access, 1);
    assert_eq!(claims["iss"], "authd");
    assert_eq!(claims["aud"], "authd/refresh");
    assert_eq!(claims["sub"], access["sub"]);
    assert_eq!(claims["sid"], access["sid"]);
    assert_ne!(uuid(&claims["jti"]), uuid(&access["jti"]));
    assert_eq!(claims["iat"], now);
    assert_eq!(claims["exp"], now + 1_209_600);
    assert_eq!(claims["auth_time"], now);
    assert_eq!(claims["gen"], 0);
}

#[tokio::test]
async fn every_login_starts_a_new_session() {
    let app = spawn_app().await;
    let first = app.signed_up("alice@example.com").await;

    let second = app.logged_in("alice@example.com", PASSWORD).await;

    let sid = |t: &str| jwt_part(t, 1)["sid"].clone();
    assert_ne!(sid(&first.access), sid(&second.access));
    assert_ne!(
        jwt_part(&first.access, 1)["jti"],
        jwt_part(&second.access, 1)["jti"]
    );
}

#[tokio::test]
async fn the_email_is_matched_in_its_normalized_form() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let response = app.login("  ALICE@Example.com ", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_401() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let unknown = app.login("nobody@example.com", PASSWORD).await;
    let wrong = app
        .login("alice@example.com", "wrong horse battery staple")
        .await;

    let unknown_status = unknown.status();
    let wrong_status = wrong.status();
    let unknown_body = assert_error(unknown, unknown_status, "invalid_credentials").await;
    let wrong_body = assert_error(wrong, wrong_status, "invalid_credentials").await;
    assert_eq!(unknown_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_body, wrong_body);
}

#[tokio::test]
async fn the_password_is_not_case_folded() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let response = app
        .login("alice@example.com", &PASSWORD.to_uppercase())
        .await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn a_malformed_email_or_empty_password_is_401_not_422() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let malformed = app.login("not an email", PASSWORD).await;
    let empty = app.login("alice@example.com", "").await;

    assert_error(malformed, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_error(empty, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn an_over_long_password_is_401_not_a_server_error() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let long = app.login("alice@example.com", &"p".repeat(129)).await;
    let huge = app.login("alice@example.com", &"p".repeat(15_000)).await;

    assert_error(long, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_error(huge, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn a_device_token_sent_back_is_accepted() {
    let app = spawn_app().await;
    let first = app.signed_up("alice@example.com").await;
    assert!(!first.device.is_empty());

    let response = app
        .post_json(
            "/auth/login",
            &json!({"email": "alice@example.com", "password": PASSWORD, "device_token": first.device}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["device_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn a_forged_device_token_is_ignored_not_an_error() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let response = app
        .post_json(
            "/auth/login",
            &json!({"email": "alice@example.com", "password": PASSWORD, "device_token": "kid.AAAA.BBBB"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let issued = body["device_token"].as_str().unwrap();
    assert_ne!(issued, "kid.AAAA.BBBB");
}

#[tokio::test]
async fn a_login_body_that_is_not_the_request_is_400() {
    let app = spawn_app().await;

    let missing = app
        .post_json("/auth/login", &json!({"email": "alice@example.com"}))
        .await;
    let wrong_type = app
        .post_json(
            "/auth/login",
            &json!({"email": "alice@example.com", "password": 12345}),
        )
        .await;

    assert_error(missing, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_error(wrong_type, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn a_hash_made_with_weaker_settings_still_logs_in_and_is_upgraded() {
    let app = spawn_app_with(|s| s.hashing.argon2 = "m=128,t=1,p=1".parse().unwrap()).await;
    let weak: Argon2Settings = "m=64,t=1,p=1".parse().unwrap();
    let email = Email::parse("alice@example.com").unwrap();
    let password = Password::parse(PASSWORD, &email, &PasswordPolicy::new(15)).unwrap();
    let old_hash = weak.hash(&password).unwrap();
    let users = app.user_store().await;
    users
        .insert(&authd::store::NewUser::new(
            email.clone(),
            old_hash.clone(),
            vec![],
        ))
        .await
        .unwrap();

    let response = app.login("alice@example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let stored = users.by_email(&email).await.unwrap().unwrap();
    assert_ne!(stored.password_hash, old_hash);
    assert!(
        stored
            .password_hash
            .starts_with("$argon2id$v=19$m=128,t=1,p=1$"),
        "{}",
        stored.password_hash
    );
    let again = app.login("alice@example.com", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_hash_as_strong_as_the_settings_is_left_alone() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;
    let users = app.user_store().await;
    let email = Email::parse("alice@example.com").unwrap();
    let before = users.by_email(&email).await.unwrap().unwrap().password_hash;

    app.logged_in("alice@example.com", PASSWORD).await;

    let after = users.by_email(&email).await.unwrap().unwrap().password_hash;
    assert_eq!(before, after);
}
