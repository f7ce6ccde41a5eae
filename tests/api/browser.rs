//! Cookie sessions for browsers (`AUTHD_COOKIES=on`) and CORS: cookies are one more
//! carrier for the same tokens, guarded by a CSRF double submit bound to the session.

use std::collections::HashMap;

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app_with, TestApp, PASSWORD};

mod origin;
mod planted;

const ACCESS: &str = "__Host-authd_access";
const REFRESH: &str = "__Host-authd_refresh";
const CSRF: &str = "__Host-authd_csrf";
const DEVICE: &str = "__Host-authd_device";

/// name → (value, the whole Set-Cookie line)
type SetCookies = HashMap<String, (String, String)>;

fn set_cookies(response: &Response) -> SetCookies {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .map(|line| {
            let pair = line.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_owned(), (value.to_owned(), line.clone()))
        })
        .collect()
}

struct Browser {
    access: String,
    refresh: String,
    csrf: String,
}

impl Browser {
    fn from(cookies: &SetCookies) -> Self {
        Browser {
            access: cookies[ACCESS].0.clone(),
            refresh: cookies[REFRESH].0.clone(),
            csrf: cookies[CSRF].0.clone(),
        }
    }

    fn cookie_header(&self) -> String {
        format!(
            "{ACCESS}={}; {REFRESH}={}; {CSRF}={}",
            self.access, self.refresh, self.csrf
        )
    }
}

async fn cookie_app() -> TestApp {
    spawn_app_with(|s| s.browser.cookies = true).await
}

async fn cookie_login(app: &TestApp, email: &str) -> (Response, SetCookies) {
    let response = app
        .client
        .post(app.url("/auth/login"))
        .header("X-Auth-Transport", "cookie")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(&response);
    (response, cookies)
}

async fn signed_up_browser(app: &TestApp, email: &str) -> Browser {
    assert_eq!(
        app.register(email, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let (response, cookies) = cookie_login(app, email).await;
    assert_eq!(response.status(), StatusCode::OK);
    Browser::from(&cookies)
}

#[tokio::test]
async fn a_cookie_login_puts_the_tokens_only_in_cookies() {
    let app = cookie_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let (response, cookies) = cookie_login(&app, "alice@example.com").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "cookie");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    assert!(body["refresh_expires_in"].as_i64().unwrap() > 0);
    assert!(
        body.get("access_token").is_none() && body.get("refresh_token").is_none(),
        "{body}"
    );
    let refresh = &cookies[REFRESH].1;
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(refresh.contains(attribute), "{refresh} lacks {attribute}");
    }
    let access = &cookies[ACCESS].1;
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(access.contains(attribute), "{access} lacks {attribute}");
    }
    let csrf = &cookies[CSRF].1;
    assert!(!csrf.contains("HttpOnly"), "scripts must read {csrf}");
    assert!(csrf.contains("Secure"));
}

#[tokio::test]
async fn without_the_transport_header_or_with_cookies_off_login_answers_in_the_body() {
    let on = cookie_app().await;
    let off = spawn_app_with(|_| {}).await;
    on.register("alice@example.com", PASSWORD).await;
    off.register("alice@example.com", PASSWORD).await;

    let plain = on.login("alice@example.com", PASSWORD).await;
    let (asked_off, cookies_off) = cookie_login(&off, "alice@example.com").await;

    for response in [plain, asked_off] {
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("set-cookie").is_none());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["access_token"].is_string());
    }
    assert!(cookies_off.is_empty());
}

#[tokio::test]
async fn a_cookie_authenticates_safe_requests_and_unsafe_ones_need_the_csrf_echo() {
    let app = cookie_app().await;
    let browser = signed_up_browser(&app, "alice@example.com").await;

    let me = app
        .client
        .get(app.url("/auth/me"))
        .header("Cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let logout_all = |csrf: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/auth/logout-all"))
            .header("Cookie", browser.cookie_header());
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        request.send()
    };
    assert_error(
        logout_all(None).await.unwrap(),
        StatusCode::FORBIDDEN,
        "csrf_failed",
    )
    .await;
    let wrong = format!("{}x", browser.csrf);
    assert_error(
        logout_all(Some(&wrong)).await.unwrap(),
        StatusCode::FORBIDDEN,
        "csrf_failed",
    )
    .await;
    assert_eq!(
        logout_all(Some(&browser.csrf)).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_csrf_token_of_another_session_does_not_pass() {
    let app = cookie_app().await;
    let alice = signed_up_browser(&app, "alice@example.com").await;
    let mallory = signed_up_browser(&app, "mallory@example.com").await;
    // Mallory plants her own, genuine csrf cookie and echoes it beside Alice's access cookie.
    let response = app
        .client
        .post(app.url("/auth/logout-all"))
        .header(
            "Cookie",
            format!("{ACCESS}={}; {CSRF}={}", alice.access, mallory.csrf),
        )
        .header("X-CSRF-Token", &mallory.csrf)
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::FORBIDDEN, "csrf_failed").await;
}

#[tokio::test]
async fn refresh_and_logout_take_the_refresh_cookie_and_answer_in_cookies() {
    let app = cookie_app().await;
    let browser = signed_up_browser(&app, "alice@example.com").await;
    let refresh = |browser: &Browser, csrf: Option<String>, body: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/auth/refresh"))
            .header("Cookie", browser.cookie_header());
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        request.send()
    };

    let refused = refresh(&browser, None, None).await.unwrap();
    assert_error(refused, StatusCode::FORBIDDEN, "csrf_failed").await;

    let rotated = refresh(&browser, Some(browser.csrf.clone()), None)
        .await
        .unwrap();
    assert_eq!(rotated.status(), StatusCode::OK);
    let cookies = set_cookies(&rotated);
    let body: Value = rotated.json().await.unwrap();
    assert_eq!(body["token_type"], "cookie");
    let next = Browser::from(&cookies);
    assert_ne!(next.refresh, browser.refresh);

    // An empty JSON object counts as "no token in the body" too.
    let again = refresh(&next, Some(next.csrf.clone()), Some("{}"))
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let latest = Browser::from(&set_cookies(&again));

    let logout = app
        .client
        .post(app.url("/auth/logout"))
        .header("Cookie", latest.cookie_header())
        .header("X-CSRF-Token", &latest.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let cleared = set_cookies(&logout);
    for name in [ACCESS, REFRESH, CSRF] {
        let (value, line) = &cleared[name];
        assert!(value.is_empty() && line.contains("Max-Age=0"), "{line}");
    }
    let after = refresh(&latest, Some(latest.csrf.clone()), None)
        .await
        .unwrap();
    assert_error(after, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn the_bearer_header_wins_over_cookies() {
    let app = cookie_app().await;
    let browser = signed_up_browser(&app, "alice@example.com").await;
    let response = app
        .client
        .get(app.url("/auth/me"))
        .header("Cookie", browser.cookie_header())
        .header("Authorization", "Bearer not.a.token")
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn with_cookies_off_a_cookie_is_no_credential() {
    let app = spawn_app_with(|_| {}).await;
    let tokens = app.signed_up("alice@example.com").await;
    let response = app
        .client
        .get(app.url("/auth/me"))
        .header("Cookie", format!("{ACCESS}={}", tokens.access))
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
async fn listed_origins_get_cors_headers_with_credentials_and_others_none() {
    let app = spawn_app_with(|s| {
        s.browser.cookies = true;
        s.browser.cors_origins = "https://app.example.com".parse().unwrap();
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/auth/login"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type, x-csrf-token",
            )
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );

    let response = app
        .client
        .get(app.url("/healthz"))
        .header("Origin", "https://evil.example.net")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn a_wildcard_origin_never_comes_with_credentials() {
    let app = spawn_app_with(|s| {
        s.browser.cookies = true;
        s.browser.cors_origins = "*".parse().unwrap();
    })
    .await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("Origin", "https://anywhere.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
}
