//! The origin half of the CSRF guard: a cookie-authenticated unsafe request that says where
//! it comes from (`Origin`, `Sec-Fetch-Site`) must come from authd's own origin, or from one
//! listed in `AUTHD_CORS_ORIGINS`; else 403 `csrf_failed`, even with a correct echo.

use reqwest::{Response, StatusCode};

use super::{signed_up_browser, Browser};
use crate::helpers::{assert_error, spawn_app_with, TestApp};

const LISTED: &str = "https://app.example.com";

async fn listed_app() -> TestApp {
    spawn_app_with(|s| {
        s.browser.cookies = true;
        s.browser.cors_origins = LISTED.parse().unwrap();
    })
    .await
}

fn own_origin(app: &TestApp) -> String {
    format!("http://127.0.0.1:{}", app.port)
}

/// A cookie-authenticated `POST path` with a correct CSRF echo and these extra headers.
async fn post_as(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    headers: &[(&str, &str)],
) -> Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header("Cookie", browser.cookie_header())
        .header("X-CSRF-Token", &browser.csrf);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_foreign_origin_is_refused_even_with_the_csrf_echo() {
    let app = listed_app().await;
    let browser = signed_up_browser(&app, "alice@example.com").await;
    let other_port = format!("http://127.0.0.1:{}", app.port.wrapping_add(1));
    let own = own_origin(&app);
    for headers in [
        vec![("Origin", "https://evil.example.net")],
        vec![("Origin", "null")],
        vec![("Origin", other_port.as_str())],
        vec![("Origin", "https://app.example.com.evil.net")],
        // A sibling subdomain is same-site, not same-origin.
        vec![("Sec-Fetch-Site", "same-site")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Sec-Fetch-Site", "nonsense")],
        // Each header must hold up on its own.
        vec![("Origin", own.as_str()), ("Sec-Fetch-Site", "cross-site")],
        vec![
            ("Origin", "https://evil.example.net"),
            ("Sec-Fetch-Site", "same-origin"),
        ],
    ] {
        let response = post_as(&app, &browser, "/auth/logout-all", &headers).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert_error(response, StatusCode::FORBIDDEN, "csrf_failed").await;
    }
}

#[tokio::test]
async fn the_own_origin_and_listed_origins_pass() {
    let app = listed_app().await;
    let own = own_origin(&app);
    for (n, headers) in [
        vec![],
        vec![("Origin", own.as_str())],
        vec![("Origin", own.as_str()), ("Sec-Fetch-Site", "same-origin")],
        vec![("Sec-Fetch-Site", "same-origin")],
        vec![("Sec-Fetch-Site", "none")],
        vec![("Origin", LISTED), ("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", LISTED), ("Sec-Fetch-Site", "same-site")],
    ]
    .into_iter()
    .enumerate()
    {
        // Logout-all ends the user's access tokens too: one user per case.
        let browser = signed_up_browser(&app, &format!("alice{n}@example.com")).await;
        let response = post_as(&app, &browser, "/auth/logout-all", &headers).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{headers:?}");
    }
}

#[tokio::test]
async fn the_refresh_cookie_needs_a_trusted_origin_too() {
    let app = listed_app().await;
    let browser = signed_up_browser(&app, "alice@example.com").await;
    let foreign = [("Origin", "https://evil.example.net")];
    for path in ["/auth/refresh", "/auth/logout"] {
        let response = post_as(&app, &browser, path, &foreign).await;
        assert_error(response, StatusCode::FORBIDDEN, "csrf_failed").await;
    }
    let own = own_origin(&app);
    let response = post_as(&app, &browser, "/auth/refresh", &[("Origin", &own)]).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn requests_the_guard_does_not_cover_ignore_the_origin() {
    // Safe methods and Bearer requests carry no ambient credential a page could abuse.
    let app = listed_app().await;
    let browser = signed_up_browser(&app, "alice@example.com").await;
    let bearer = app.signed_up("bob@example.com").await;

    let safe = app
        .client
        .get(app.url("/auth/me"))
        .header("Cookie", browser.cookie_header())
        .header("Origin", "https://evil.example.net")
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    let with_bearer = app
        .client
        .post(app.url("/auth/logout-all"))
        .bearer_auth(&bearer.access)
        .header("Origin", "https://evil.example.net")
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();

    assert_eq!(safe.status(), StatusCode::OK);
    assert_eq!(with_bearer.status(), StatusCode::NO_CONTENT);
}
