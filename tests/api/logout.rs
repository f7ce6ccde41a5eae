//! `POST /auth/logout`: 204 and the session can no longer refresh; only a forged token is
//! refused.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, jwt_part, spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn a_logout_answers_204_and_the_session_can_no_longer_refresh() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let response = app.logout(&login.refresh).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    let refresh = app.refresh(&login.refresh).await;
    assert_error(refresh, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn a_logout_ends_every_token_of_the_session_not_only_the_one_presented() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    let rotated = app.refresh(&login.refresh).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let newest = crate::helpers::tokens_from(rotated.json().await.unwrap());

    // The retired token still names the session: logging out with it ends the session.
    let response = app.logout(&login.refresh).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let refresh = app.refresh(&newest.refresh).await;
    assert_error(refresh, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn a_logout_leaves_the_users_other_sessions_alone() {
    let app = spawn_app().await;
    let phone = app.signed_up("alice@example.com").await;
    let laptop = app.logged_in("alice@example.com", PASSWORD).await;

    app.logout(&phone.refresh).await;

    assert_eq!(app.refresh(&laptop.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logging_out_twice_is_204_both_times() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    assert_eq!(
        app.logout(&login.refresh).await.status(),
        StatusCode::NO_CONTENT
    );

    let again = app.logout(&login.refresh).await;

    assert_eq!(again.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_forged_or_tampered_token_is_401_invalid_grant() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    let mut claims = jwt_part(&login.refresh, 1);
    claims["sid"] = json!(uuid::Uuid::new_v4());
    let mut parts: Vec<String> = login.refresh.split('.').map(str::to_owned).collect();
    parts[1] = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&claims).unwrap())
    };
    let tampered = parts.join(".");

    for forged in [tampered.as_str(), "forged", "a.b.c", ""] {
        let response = app.logout(forged).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    }
    // None of them touched the real session.
    assert_eq!(app.refresh(&login.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_access_token_cannot_log_out_a_session() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let response = app.logout(&login.access).await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    assert_eq!(app.refresh(&login.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_but_genuine_token_still_logs_out() {
    let app = spawn_app_with(|s| s.tokens.refresh_ttl = 60).await;
    let login = app.signed_up("alice@example.com").await;
    app.clock.advance(3600);

    let response = app.logout(&login.refresh).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_logout_body_that_is_not_the_request_is_400() {
    let app = spawn_app().await;

    let response = app.post_json("/auth/logout", &json!({"token": "x"})).await;

    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}
