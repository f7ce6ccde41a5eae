//! Device tokens end: at a password change, at logout-all and after `AUTHD_DEVICE_TTL`.
//! A device token that has ended is simply not one: its client is counted by address, so
//! it no longer passes the account-wide cap a password spray sets off (see throttle.rs).

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app_with, TestApp, PASSWORD};

const EMAIL: &str = "alice@example.com";
const NEW_PASSWORD: &str = "a brand new passphrase here";
const WRONG: &str = "not the password at all";
/// What `AUTHD_DEVICE_TTL` is by default: 90 days.
const DEFAULT_DEVICE_TTL: i64 = 7_776_000;

async fn throttled_app() -> TestApp {
    spawn_app_with(|s| {
        s.throttle.login_max_failures = 5;
        s.throttle.login_window = 900;
    })
    .await
}

async fn login(app: &TestApp, ip: &str, password: &str, device: Option<&str>) -> Response {
    let mut body = json!({"email": EMAIL, "password": password});
    if let Some(device) = device {
        body["device_token"] = json!(device);
    }
    app.client_from(ip)
        .post(app.url("/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The device token of a successful login from `ip`.
async fn device_token(app: &TestApp, ip: &str, password: &str, device: Option<&str>) -> String {
    let response = login(app, ip, password, device).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["device_token"].as_str().unwrap().to_owned()
}

/// 100 failures from 100 addresses: the account-wide cap for untrusted clients is reached.
async fn spray(app: &TestApp) {
    for n in 1..=100 {
        let response = login(app, &format!("127.0.1.{n}"), WRONG, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

/// Whether `device` still lets its holder past the cap (after [`spray`]).
async fn passes_the_cap(app: &TestApp, password: &str, device: &str) -> bool {
    let response = login(app, "127.0.2.1", password, Some(device)).await;
    match response.status() {
        StatusCode::OK => true,
        _ => {
            assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
            false
        }
    }
}

#[tokio::test]
async fn a_password_change_ends_the_device_tokens_issued_before_it() {
    let app = throttled_app().await;
    let before = app.signed_up(EMAIL).await;
    let changed = app
        .post_with_token(
            "/auth/password",
            &before.access,
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let after = device_token(&app, "127.0.3.1", NEW_PASSWORD, None).await;

    spray(&app).await;

    assert!(!passes_the_cap(&app, NEW_PASSWORD, &before.device).await);
    assert!(passes_the_cap(&app, NEW_PASSWORD, &after).await);
}

#[tokio::test]
async fn logout_all_ends_the_device_tokens_issued_before_it() {
    let app = throttled_app().await;
    let before = app.signed_up(EMAIL).await;
    let response = app
        .post_with_token("/auth/logout-all", &before.access, &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let after = device_token(&app, "127.0.3.1", PASSWORD, None).await;

    spray(&app).await;

    assert!(!passes_the_cap(&app, PASSWORD, &before.device).await);
    assert!(passes_the_cap(&app, PASSWORD, &after).await);
}

#[tokio::test]
async fn a_device_token_ends_after_the_device_ttl_and_each_login_renews_it() {
    let app = throttled_app().await;
    let first = app.signed_up(EMAIL).await.device;
    app.clock.advance(DEFAULT_DEVICE_TTL - 60);
    // The device logs in again with its token before the end: it gets a fresh one.
    let renewed = device_token(&app, "127.0.3.1", PASSWORD, Some(&first)).await;
    assert_ne!(renewed, first);
    app.clock.advance(61);

    spray(&app).await;

    assert!(!passes_the_cap(&app, PASSWORD, &first).await);
    assert!(passes_the_cap(&app, PASSWORD, &renewed).await);
}
