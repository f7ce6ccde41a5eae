//! The attack suite: what RFC 8725, RFC 9700, the OWASP JWT and authentication cheat sheets,
//! OWASP ASVS 5.0 (ch. 6–10) and jwt_tool throw at a JWT auth server. Every case asserts the
//! exact status and error code, that nothing was issued or changed, and that the server
//! still answers afterwards.
//!
//! This module holds what the attacks share: an app with a victim and an admin, token
//! forging (header and claims as raw JSON, any signature), the server's own key material
//! as an attacker who stole it or who reads the JWKS would hold it, and the assertions.

mod algorithms;
mod authorization;
mod bodies;
mod claims;
mod emails;
mod encoding;
mod enumeration;
mod headers;
mod keys;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{jwt_part, spawn_app_with, TestApp, Tokens};

pub const VICTIM: &str = "victim@example.com";
pub const ADMIN: &str = "root@example.com";
pub const CHALLENGE_INVALID: &str = "Bearer realm=\"authd\", error=\"invalid_token\"";
pub const CHALLENGE_PLAIN: &str = "Bearer realm=\"authd\"";

/// A running authd with a signed-up victim and an admin (used to count users).
pub struct Target {
    pub app: TestApp,
    pub victim: Tokens,
    pub admin: Tokens,
}

/// An app with no IP rate limit or login lockout: the attacks send many requests, and the
/// throttling has its own tests.
pub async fn spawn_target() -> Target {
    spawn_target_with(|_| {}).await
}

pub async fn spawn_target_with(customize: impl FnOnce(&mut authd::settings::Settings)) -> Target {
    let app = spawn_app_with(|settings| {
        settings.throttle.ip_rate_limit = 0;
        settings.throttle.login_max_failures = 10_000;
        customize(settings);
    })
    .await;
    let victim = app.signed_up(VICTIM).await;
    app.add_user_with_roles(ADMIN, &["admin"]).await;
    let admin = app.logged_in(ADMIN, crate::helpers::PASSWORD).await;
    Target { app, victim, admin }
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `base64url(header) "." base64url(claims)`: the JWS signing input.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    signing_input_raw(&header.to_string(), &claims.to_string())
}

/// The signing input of JSON texts given verbatim (duplicate keys, odd spacing).
pub fn signing_input_raw(header: &str, claims: &str) -> String {
    format!("{}.{}", b64(header), b64(claims))
}

/// A compact JWS with the given signature bytes (no signing).
pub fn compact(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!("{}.{}", signing_input(header, claims), b64(signature))
}

pub fn hs256(secret: &[u8], input: &str) -> Vec<u8> {
    hmac("HS256", secret, input)
}

/// The MAC of JWS algorithm `alg` (HS256, HS384 or HS512).
pub fn hmac(alg: &str, secret: &[u8], input: &str) -> Vec<u8> {
    let algorithm = match alg {
        "HS256" => aws_lc_rs::hmac::HMAC_SHA256,
        "HS384" => aws_lc_rs::hmac::HMAC_SHA384,
        _ => aws_lc_rs::hmac::HMAC_SHA512,
    };
    let key = aws_lc_rs::hmac::Key::new(algorithm, secret);
    aws_lc_rs::hmac::sign(&key, input.as_bytes())
        .as_ref()
        .to_vec()
}

/// An HS256 token under `secret`, as an attacker who guesses the secret would make it.
pub fn hs256_token(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    format!("{input}.{}", b64(hs256(secret, &input)))
}

impl Target {
    /// The victim's genuine access-token header and claims, to tamper with.
    pub fn genuine_access(&self) -> (Value, Value) {
        (
            jwt_part(&self.victim.access, 0),
            jwt_part(&self.victim.access, 1),
        )
    }

    /// The victim's claims, escalated to admin: what a forger wants.
    pub fn escalated_claims(&self) -> Value {
        let (_, mut claims) = self.genuine_access();
        claims["roles"] = json!(["admin"]);
        claims
    }

    pub fn now(&self) -> i64 {
        use authd::clock::Clock;
        self.app.clock.now()
    }

    /// How many users exist, through the admin list.
    pub async fn user_count(&self) -> u64 {
        let response = self
            .app
            .get_with_token("/admin/users?limit=1", &self.admin.access)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "admin list");
        let body: Value = response.json().await.unwrap();
        body["total"].as_u64().expect("total")
    }

    /// A forged access token is refused everywhere an access token opens a door: the
    /// identity route, the admin route (no escalation) and a state-changing route.
    pub async fn assert_access_rejected(&self, token: &str, case: &str) {
        let app = &self.app;
        for (method, path) in [
            ("GET", "/auth/me"),
            ("GET", "/admin/users"),
            ("POST", "/auth/logout-all"),
        ] {
            let request = match method {
                "GET" => app.client.get(app.url(path)),
                _ => app.client.post(app.url(path)),
            };
            let response = request
                .header("authorization", format!("Bearer {token}"))
                .send()
                .await
                .expect("request");
            let what = format!("{case}: {method} {path}");
            expect_error(
                response,
                401,
                "invalid_token",
                Some(CHALLENGE_INVALID),
                &what,
            )
            .await;
        }
    }

    /// A forged refresh token neither refreshes nor logs anybody out.
    pub async fn assert_grant_rejected(&self, token: &str, case: &str) {
        for path in ["/auth/refresh", "/auth/logout"] {
            let response = self
                .app
                .post_json(path, &json!({ "refresh_token": token }))
                .await;
            let what = format!("{case}: POST {path}");
            expect_error(response, 401, "invalid_grant", None, &what).await;
        }
    }

    /// The server answers, the victim's access token still works, and the victim's session
    /// was neither revoked (logout) nor ended (logout-all): its refresh token still rotates.
    pub async fn assert_unharmed(&self) {
        let app = &self.app;
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK, "healthz after the attacks");
        let me = app.get_with_token("/auth/me", &self.victim.access).await;
        assert_eq!(me.status(), StatusCode::OK, "victim's access token");
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["email"], VICTIM);
        assert_eq!(me["roles"], json!([]), "victim gained no role");
        let refreshed = app.refresh(&self.victim.refresh).await;
        assert_eq!(
            refreshed.status(),
            StatusCode::OK,
            "victim's refresh token still rotates"
        );
    }
}

/// Asserts status, JSON `error` code, `Cache-Control: no-store` and the exact
/// `WWW-Authenticate` (`None`: the header must be absent); returns headers and body.
pub async fn expect_error(
    response: Response,
    status: u16,
    code: &str,
    challenge: Option<&str>,
    case: &str,
) -> (HeaderMap, Value) {
    let got = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(got, status, "{case}: status (body {text})");
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{case}: error body is not JSON: {text:?}"));
    assert_eq!(body["error"], code, "{case}: error code in {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{case}: message in {body}"
    );
    for field in ["access_token", "refresh_token", "device_token", "id"] {
        assert!(body.get(field).is_none(), "{case}: {field} issued: {body}");
    }
    let www = headers
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(www.as_deref(), challenge, "{case}: WWW-Authenticate");
    (headers, body)
}
