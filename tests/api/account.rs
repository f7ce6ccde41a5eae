//! `POST /auth/logout-all` and `POST /auth/password`: the signed-in user's own account.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, jwt_part, spawn_app, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "an entirely different passphrase";

async fn change_password(
    app: &TestApp,
    access: &str,
    current: &str,
    new: &str,
) -> reqwest::Response {
    app.post_with_token(
        "/auth/password",
        access,
        &json!({"current_password": current, "new_password": new}),
    )
    .await
}

async fn logout_all(app: &TestApp, access: &str) -> reqwest::Response {
    app.client
        .post(app.url("/auth/logout-all"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logout_all_answers_204_and_every_older_refresh_token_fails() {
    let app = spawn_app().await;
    let phone = app.signed_up("alice@example.com").await;
    let laptop = app.logged_in("alice@example.com", PASSWORD).await;

    let response = logout_all(&app, &laptop.access).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for old in [&phone.refresh, &laptop.refresh] {
        let refresh = app.refresh(old).await;
        assert_error(refresh, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    }
}

#[tokio::test]
async fn a_login_right_after_logout_all_works_and_refreshes() {
    let app = spawn_app().await;
    let before = app.signed_up("alice@example.com").await;
    assert_eq!(
        logout_all(&app, &before.access).await.status(),
        StatusCode::NO_CONTENT
    );

    let after = app.logged_in("alice@example.com", PASSWORD).await;

    assert_eq!(jwt_part(&after.refresh, 1)["gen"], 1);
    let refresh = app.refresh(&after.refresh).await;
    assert_eq!(refresh.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_all_leaves_other_users_alone() {
    let app = spawn_app().await;
    let alice = app.signed_up("alice@example.com").await;
    let bob = app.signed_up("bob@example.com").await;

    logout_all(&app, &alice.access).await;

    assert_eq!(app.refresh(&bob.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_all_without_a_bearer_token_is_401() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/auth/logout-all"))
        .send()
        .await
        .unwrap();

    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"authd\""
    );
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn logout_all_with_a_refresh_token_as_bearer_is_401_invalid_token() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let response = logout_all(&app, &login.refresh).await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(app.refresh(&login.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_answers_204_and_only_the_new_password_logs_in() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let response = change_password(&app, &login.access, PASSWORD, NEW_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let old = app.login("alice@example.com", PASSWORD).await;
    assert_error(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let new = app.login("alice@example.com", NEW_PASSWORD).await;
    assert_eq!(new.status(), StatusCode::OK);
    let fresh = crate::helpers::tokens_from(new.json().await.unwrap());
    assert_eq!(app.refresh(&fresh.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_password_change_ends_every_older_refresh_token() {
    let app = spawn_app().await;
    let phone = app.signed_up("alice@example.com").await;
    let laptop = app.logged_in("alice@example.com", PASSWORD).await;

    change_password(&app, &laptop.access, PASSWORD, NEW_PASSWORD).await;

    for old in [&phone.refresh, &laptop.refresh] {
        let refresh = app.refresh(old).await;
        assert_error(refresh, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    }
}

#[tokio::test]
async fn a_wrong_current_password_is_403_invalid_credentials_and_changes_nothing() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let response =
        change_password(&app, &login.access, "not my current password", NEW_PASSWORD).await;

    assert_error(response, StatusCode::FORBIDDEN, "invalid_credentials").await;
    assert_eq!(
        app.login("alice@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.refresh(&login.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_weak_new_password_is_422_weak_password_and_changes_nothing() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    for weak in ["short", "", "alice@example.com", &"x".repeat(129)] {
        let response = change_password(&app, &login.access, PASSWORD, weak).await;
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    }
    assert_eq!(
        app.login("alice@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_change_without_a_bearer_token_is_401() {
    let app = spawn_app().await;
    app.signed_up("alice@example.com").await;

    let response = app
        .post_json(
            "/auth/password",
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;

    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"authd\""
    );
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(
        app.login("alice@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_change_body_that_is_not_the_request_is_400() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let missing = app
        .post_with_token(
            "/auth/password",
            &login.access,
            &json!({"new_password": NEW_PASSWORD}),
        )
        .await;
    let wrong_type = app
        .post_with_token(
            "/auth/password",
            &login.access,
            &json!({"current_password": PASSWORD, "new_password": 7}),
        )
        .await;

    assert_error(missing, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_error(wrong_type, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn access_tokens_issued_before_logout_all_are_refused_at_once_and_a_new_login_works() {
    // API.md, Instant revocation: a revocation fact ends the older generation's tokens.
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    let other_session = app.logged_in("alice@example.com", PASSWORD).await;
    logout_all(&app, &login.access).await;

    for token in [&login.access, &other_session.access] {
        let me = app.get_with_token("/auth/me", token).await;
        assert_error(me, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    let again = app.logged_in("alice@example.com", PASSWORD).await;
    let me = app.get_with_token("/auth/me", &again.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["email"], "alice@example.com");
}
