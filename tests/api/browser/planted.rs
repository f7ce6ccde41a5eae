//! A sibling subdomain cannot plant a session. authd's cookies are `__Host-` cookies (Secure,
//! Path=/, no Domain: only this very host can set them), a cookie counts by its name exactly
//! as sent (never after percent-decoding), and a request with two cookies of one authd name
//! is refused rather than resolved by their order.

use reqwest::{Response, StatusCode};
use serde_json::json;

use super::{
    cookie_app, cookie_login, set_cookies, signed_up_browser, Browser, ACCESS, CSRF, DEVICE,
    REFRESH,
};
use crate::helpers::{assert_error, TestApp, PASSWORD};

const INVALID_TOKEN_CHALLENGE: &str = "Bearer realm=\"authd\", error=\"invalid_token\"";

/// The attributes of a Set-Cookie line after the name=value pair, trimmed.
fn attributes(line: &str) -> Vec<String> {
    line.split(';')
        .skip(1)
        .map(|a| a.trim().to_owned())
        .collect()
}

/// What the `__Host-` prefix makes a browser insist on: Secure, Path=/ and no Domain.
fn assert_host_cookie(name: &str, line: &str) {
    assert!(name.starts_with("__Host-authd_"), "{name}");
    let attributes = attributes(line);
    assert!(attributes.iter().any(|a| a == "Secure"), "{line}");
    assert!(attributes.iter().any(|a| a == "Path=/"), "{line}");
    assert!(
        !attributes
            .iter()
            .any(|a| a.to_ascii_lowercase().starts_with("domain")),
        "{line}"
    );
}

async fn me_with_cookies(app: &TestApp, cookies: &[String]) -> Response {
    let mut request = app.client.get(app.url("/auth/me"));
    for cookie in cookies {
        request = request.header("Cookie", cookie);
    }
    request.send().await.unwrap()
}

async fn assert_refused_as_invalid_token(response: Response) {
    assert_eq!(
        response.headers()["www-authenticate"],
        INVALID_TOKEN_CHALLENGE
    );
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn every_cookie_authd_sets_is_a_host_cookie() {
    let app = cookie_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let (login, cookies) = cookie_login(&app, "alice@example.com").await;
    assert_eq!(login.status(), StatusCode::OK);
    let mut names: Vec<&str> = cookies.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, [ACCESS, CSRF, DEVICE, REFRESH]);
    for (name, (_, line)) in &cookies {
        assert_host_cookie(name, line);
    }
    let device = attributes(&cookies[DEVICE].1);
    assert!(device.iter().any(|a| a == "HttpOnly"), "{device:?}");
    // As long as the token lives (AUTHD_DEVICE_TTL), not the 400 days browsers allow.
    assert!(device.iter().any(|a| a == "Max-Age=7776000"), "{device:?}");

    // Clearing must name the same cookies (name, host, Path=/), or the browser keeps them.
    let browser = Browser::from(&cookies);
    let logout = app
        .client
        .post(app.url("/auth/logout"))
        .header("Cookie", browser.cookie_header())
        .header("X-CSRF-Token", &browser.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    for (name, (_, line)) in &set_cookies(&logout) {
        assert_host_cookie(name, line);
    }
}

#[tokio::test]
async fn cookies_under_the_old_names_are_no_credential() {
    // A sibling subdomain can still set `authd_access` for the parent domain.
    let app = cookie_app().await;
    let alice = signed_up_browser(&app, "alice@example.com").await;

    let response = me_with_cookies(&app, &[format!("authd_access={}", alice.access)]).await;

    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"authd\""
    );
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn a_name_that_only_decodes_to_an_authd_name_is_another_cookie() {
    // `%5F_Host-…` lacks the prefix as the browser sees it, so any site may set it.
    let app = cookie_app().await;
    let alice = signed_up_browser(&app, "alice@example.com").await;
    let mallory = signed_up_browser(&app, "mallory@example.com").await;
    let planted = format!("%5F_Host-authd_access={}", mallory.access);

    let alone = me_with_cookies(&app, std::slice::from_ref(&planted)).await;
    let beside = me_with_cookies(&app, &[format!("{planted}; {ACCESS}={}", alice.access)]).await;

    assert_eq!(
        alone.headers()["www-authenticate"],
        "Bearer realm=\"authd\""
    );
    assert_eq!(beside.status(), StatusCode::OK);
    let me: serde_json::Value = beside.json().await.unwrap();
    assert_eq!(me["email"], "alice@example.com");
}

#[tokio::test]
async fn two_access_cookies_are_refused_whatever_their_order() {
    let app = cookie_app().await;
    let alice = signed_up_browser(&app, "alice@example.com").await;
    let mallory = signed_up_browser(&app, "mallory@example.com").await;
    let (a, m) = (
        format!("{ACCESS}={}", alice.access),
        format!("{ACCESS}={}", mallory.access),
    );
    assert_eq!(
        me_with_cookies(&app, std::slice::from_ref(&a))
            .await
            .status(),
        StatusCode::OK
    );

    for cookies in [
        vec![format!("{m}; {a}")],
        vec![format!("{a}; {m}")],
        vec![format!("{a}; {a}")],
        vec![a.clone(), m.clone()],
    ] {
        assert_refused_as_invalid_token(me_with_cookies(&app, &cookies).await).await;
    }
}

#[tokio::test]
async fn two_refresh_cookies_are_refused_on_refresh_and_logout() {
    let app = cookie_app().await;
    let alice = signed_up_browser(&app, "alice@example.com").await;
    let mallory = signed_up_browser(&app, "mallory@example.com").await;
    let cookies = format!(
        "{REFRESH}={}; {REFRESH}={}; {CSRF}={}",
        mallory.refresh, alice.refresh, alice.csrf
    );
    for path in ["/auth/refresh", "/auth/logout"] {
        let response = app
            .client
            .post(app.url(path))
            .header("Cookie", &cookies)
            .header("X-CSRF-Token", &alice.csrf)
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }

    // Neither session was touched: each one's own cookie still refreshes.
    for browser in [&alice, &mallory] {
        let response = app
            .client
            .post(app.url("/auth/refresh"))
            .header("Cookie", browser.cookie_header())
            .header("X-CSRF-Token", &browser.csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn two_csrf_cookies_fail_the_double_submit() {
    let app = cookie_app().await;
    let alice = signed_up_browser(&app, "alice@example.com").await;
    let mallory = signed_up_browser(&app, "mallory@example.com").await;
    for csrf in [&mallory.csrf, &alice.csrf] {
        let response = app
            .client
            .post(app.url("/auth/logout-all"))
            .header(
                "Cookie",
                format!(
                    "{ACCESS}={}; {CSRF}={csrf}; {CSRF}={}",
                    alice.access, alice.csrf
                ),
            )
            .header("X-CSRF-Token", &alice.csrf)
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::FORBIDDEN, "csrf_failed").await;
    }
}

#[tokio::test]
async fn a_body_token_or_a_bearer_header_is_not_judged_by_the_cookies_beside_it() {
    // Only a cookie that is read can be ambiguous: the body and the header win over cookies.
    let app = cookie_app().await;
    let alice = signed_up_browser(&app, "alice@example.com").await;
    let bearer = app.signed_up("bob@example.com").await;
    let doubled = format!("{ACCESS}={0}; {ACCESS}={0}", alice.access);

    let me = app
        .client
        .get(app.url("/auth/me"))
        .header("Cookie", &doubled)
        .bearer_auth(&bearer.access)
        .send()
        .await
        .unwrap();
    let refreshed = app
        .client
        .post(app.url("/auth/refresh"))
        .header("Cookie", format!("{REFRESH}=x; {REFRESH}=y"))
        .json(&json!({"refresh_token": bearer.refresh}))
        .send()
        .await
        .unwrap();

    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(refreshed.status(), StatusCode::OK);
}
