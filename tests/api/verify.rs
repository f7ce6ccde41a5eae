//! `GET /auth/verify`, forward auth for a reverse proxy: 200 with the caller in `X-Auth-*`
//! headers for a valid access token (header or cookie), the protected-route 401 otherwise.

use reqwest::StatusCode;

use crate::helpers::{assert_error, jwt_part, spawn_app, spawn_app_with, PASSWORD};

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("visible ASCII"))
}

#[tokio::test]
async fn verify_names_the_caller_in_x_auth_headers_and_has_no_body() {
    let app = spawn_app().await;
    app.add_user_with_roles("root@example.com", &["admin", "billing:read"])
        .await;
    let tokens = app.logged_in("root@example.com", PASSWORD).await;
    let claims = jwt_part(&tokens.access, 1);

    let response = app.get_with_token("/auth/verify", &tokens.access).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-auth-user-id"), claims["sub"].as_str());
    assert_eq!(header(&response, "x-auth-email"), Some("root@example.com"));
    assert_eq!(
        header(&response, "x-auth-roles"),
        Some("admin,billing:read")
    );
    assert_eq!(
        header(&response, "x-auth-session-id"),
        claims["sid"].as_str()
    );
    assert_eq!(header(&response, "x-auth-client-id"), Some("authd"));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn verify_sends_an_empty_roles_header_for_a_user_without_roles() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    let response = app.get_with_token("/auth/verify", &tokens.access).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-auth-roles"), Some(""));
}

#[tokio::test]
async fn verify_refuses_a_missing_a_bad_and_a_refresh_token_with_the_bearer_challenge() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    let missing = app
        .client
        .get(app.url("/auth/verify"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&missing, "www-authenticate"),
        Some("Bearer realm=\"authd\"")
    );
    assert_eq!(header(&missing, "x-auth-user-id"), None);
    assert_error(missing, StatusCode::UNAUTHORIZED, "invalid_token").await;

    for token in ["not-a-token", tokens.refresh.as_str()] {
        let refused = app.get_with_token("/auth/verify", token).await;
        assert_eq!(
            header(&refused, "www-authenticate"),
            Some("Bearer realm=\"authd\", error=\"invalid_token\"")
        );
        assert_eq!(header(&refused, "x-auth-user-id"), None);
        assert_error(refused, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
}

#[tokio::test]
async fn verify_answers_head_as_a_proxy_may_send_it() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    let response = app
        .client
        .head(app.url("/auth/verify"))
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "x-auth-user-id").is_some());
}

#[tokio::test]
async fn verify_takes_the_access_cookie_when_cookies_are_on() {
    let app = spawn_app_with(|s| s.browser.cookies = true).await;
    let tokens = app.signed_up("alice@example.com").await;

    let response = app
        .client
        .get(app.url("/auth/verify"))
        .header("cookie", format!("__Host-authd_access={}", tokens.access))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-auth-email"), Some("alice@example.com"));
}
