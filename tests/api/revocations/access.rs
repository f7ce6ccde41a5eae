//! On one instance, every way a session ends refuses its access tokens at once: logout,
//! logout-all, a password change, an RFC 7009 revocation and a replay. Other sessions go
//! on, and a restart on the same database keeps every fact.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app, spawn_app_in, TestApp, Tokens, PASSWORD};

async fn assert_refused(app: &TestApp, access: &str) {
    let me = app.get_with_token("/auth/me", access).await;
    let challenge = me.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");
    assert_error(me, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let verify = app.get_with_token("/auth/verify", access).await;
    assert_eq!(verify.status(), StatusCode::UNAUTHORIZED);
}

async fn assert_accepted(app: &TestApp, access: &str) {
    let me = app.get_with_token("/auth/me", access).await;
    assert_eq!(me.status(), StatusCode::OK);
}

async fn two_sessions(app: &TestApp, email: &str) -> (Tokens, Tokens) {
    let first = app.signed_up(email).await;
    let second = app.logged_in(email, PASSWORD).await;
    (first, second)
}

#[tokio::test]
async fn a_logout_refuses_its_sessions_access_token_at_once_and_only_that_one() {
    let app = spawn_app().await;
    let (first, second) = two_sessions(&app, "alice@example.com").await;
    assert_accepted(&app, &first.access).await;

    assert_eq!(
        app.logout(&first.refresh).await.status(),
        StatusCode::NO_CONTENT
    );

    assert_refused(&app, &first.access).await;
    assert_accepted(&app, &second.access).await;
}

#[tokio::test]
async fn a_password_change_refuses_every_older_access_token_of_the_user() {
    let app = spawn_app().await;
    let (first, second) = two_sessions(&app, "alice@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    let new_password = "a brand new passphrase here";

    let changed = app
        .post_with_token(
            "/auth/password",
            &first.access,
            &json!({"current_password": PASSWORD, "new_password": new_password}),
        )
        .await;

    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_refused(&app, &first.access).await;
    assert_refused(&app, &second.access).await;
    assert_accepted(&app, &bob.access).await;
    let again = app.logged_in("alice@example.com", new_password).await;
    assert_accepted(&app, &again.access).await;
}

#[tokio::test]
async fn an_rfc_7009_revocation_of_an_access_token_refuses_it() {
    let app = spawn_app().await;
    let (first, second) = two_sessions(&app, "alice@example.com").await;

    let revoked = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[("token", first.access.as_str()), ("client_id", "authd")])
        .send()
        .await
        .unwrap();

    assert_eq!(revoked.status(), StatusCode::OK);
    assert_refused(&app, &first.access).await;
    assert_accepted(&app, &second.access).await;
}

#[tokio::test]
async fn a_replayed_refresh_token_refuses_the_sessions_access_tokens() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    let rotated = app.refresh(&login.refresh).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Tokens = crate::helpers::tokens_from(rotated.json().await.unwrap());

    let replay = app.refresh(&login.refresh).await;

    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert_refused(&app, &login.access).await;
    assert_refused(&app, &rotated.access).await;
}

#[tokio::test]
async fn a_restart_on_the_same_database_keeps_every_live_fact() {
    let app = spawn_app().await;
    let (first, second) = two_sessions(&app, "alice@example.com").await;
    assert_eq!(
        app.logout(&first.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    let (dir, settings) = app.stop().await;

    let restarted = spawn_app_in(dir, settings).await;

    assert_refused(&restarted, &first.access).await;
    assert_accepted(&restarted, &second.access).await;
}
