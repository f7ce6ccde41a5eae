//! The cookie carrier for browsers (`AUTHD_COOKIES=on`): cookies are one more carrier for
//! the tokens of a session, never a second kind of session.
//!
//! A login sent with `X-Auth-Transport: cookie` answers in cookies only, so no script can
//! read the tokens: `authd_refresh` (HttpOnly, SameSite=Strict, Path=/auth), `authd_access`
//! (HttpOnly, SameSite=Lax, Path=/) and a readable `authd_csrf` bound to the session. A
//! request authenticated by cookie must echo `authd_csrf` in `X-CSRF-Token` for any
//! unsafe method (double submit, and the value is a MAC of the session id, so a cookie
//! planted by a sibling subdomain cannot pass either).

mod carrier;

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde_json::json;
use uuid::Uuid;

pub use carrier::RefreshCarrier;

use crate::error::ApiError;
use crate::http::{no_store, CSRF_HEADER, TRANSPORT_HEADER};
use crate::keys::KeyRing;
use crate::tokens::{issue_csrf_token, CsrfError, TokenPair};

/// Whether token responses may go into cookies (`AUTHD_COOKIES`); in app data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieCarrier {
    pub enabled: bool,
}

impl CookieCarrier {
    /// Whether `req` may be answered in cookies: the carrier is on and the client asked.
    pub fn wanted_by(&self, req: &HttpRequest) -> bool {
        self.enabled && wants_cookies(req)
    }

    /// The carrier of `req`'s app; off when none was configured.
    pub fn of(req: &HttpRequest) -> Self {
        req.app_data::<actix_web::web::Data<CookieCarrier>>()
            .map_or(CookieCarrier { enabled: false }, |c| *c.get_ref())
    }
}

pub const ACCESS_COOKIE: &str = "authd_access";
pub const REFRESH_COOKIE: &str = "authd_refresh";
pub const CSRF_COOKIE: &str = "authd_csrf";
pub const DEVICE_COOKIE: &str = "authd_device";
/// Browsers cap cookie lifetimes near 400 days.
const DEVICE_COOKIE_DAYS: i64 = 400;

/// Whether the client asked for the cookie carrier (`X-Auth-Transport: cookie`).
pub fn wants_cookies(req: &HttpRequest) -> bool {
    req.headers()
        .get(TRANSPORT_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("cookie"))
}

/// Checks the double submit of a cookie-authenticated request for session `sid`.
pub fn check_csrf(req: &HttpRequest, ring: &KeyRing, sid: Uuid) -> Result<(), CsrfError> {
    let echoed = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let cookie = req.cookie(CSRF_COOKIE);
    crate::tokens::check_csrf(echoed, cookie.as_ref().map(|c| c.value()), ring, sid)
}

/// Methods that change state: a cookie-authenticated request with one needs the CSRF echo.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn cookie<'a>(
    name: &'a str,
    value: String,
    path: &'a str,
    same_site: SameSite,
    http_only: bool,
    age: i64,
) -> Cookie<'a> {
    Cookie::build(name, value)
        .path(path)
        .secure(true)
        .http_only(http_only)
        .same_site(same_site)
        .max_age(CookieAge::seconds(age.max(0)))
        .finish()
}

/// Answers a login or refresh of session `sid` in cookies, with a fresh CSRF token.
pub fn answer_in_cookies(
    ring: &KeyRing,
    pair: &TokenPair,
    sid: Uuid,
    now: i64,
    device: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let csrf = issue_csrf_token(ring, sid, now)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no key can sign CSRF tokens")))?;
    Ok(tokens_in_cookies(HttpResponse::Ok(), pair, csrf, device))
}

/// The device token a browser keeps in its HttpOnly cookie.
pub fn device_cookie(req: &HttpRequest) -> Option<String> {
    req.cookie(DEVICE_COOKIE).map(|c| c.value().to_owned())
}

/// Puts a session's tokens into cookies; the body says only how long they live.
fn tokens_in_cookies(
    mut response: HttpResponseBuilder,
    pair: &TokenPair,
    csrf: String,
    device: Option<String>,
) -> HttpResponse {
    response
        .cookie(cookie(
            REFRESH_COOKIE,
            pair.refresh_token.clone(),
            "/auth",
            SameSite::Strict,
            true,
            pair.refresh_expires_in,
        ))
        .cookie(cookie(
            ACCESS_COOKIE,
            pair.access_token.clone(),
            "/",
            SameSite::Lax,
            true,
            pair.expires_in,
        ))
        .cookie(cookie(
            CSRF_COOKIE,
            csrf,
            "/",
            SameSite::Strict,
            false,
            pair.refresh_expires_in,
        ));
    if let Some(device) = device {
        response.cookie(cookie(
            DEVICE_COOKIE,
            device,
            "/auth/login",
            SameSite::Strict,
            true,
            DEVICE_COOKIE_DAYS * 86_400,
        ));
    }
    no_store(response.json(json!({
        "token_type": "cookie",
        "expires_in": pair.expires_in,
        "refresh_expires_in": pair.refresh_expires_in,
    })))
}

/// Expires the three session cookies (the device cookie stays: it marks a known device).
pub fn clear_token_cookies(response: &mut HttpResponseBuilder) {
    for (name, path, same_site, http_only) in [
        (REFRESH_COOKIE, "/auth", SameSite::Strict, true),
        (ACCESS_COOKIE, "/", SameSite::Lax, true),
        (CSRF_COOKIE, "/", SameSite::Strict, false),
    ] {
        response.cookie(cookie(name, String::new(), path, same_site, http_only, 0));
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;
    use crate::keys::generate::{generate_key, KeyAlgorithm};
    use crate::keys::KeyStore;

    #[test]
    fn check_csrf_reads_the_echo_header_and_the_csrf_cookie() {
        crate::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        generate_key(dir.path(), KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
        let ring = KeyStore::open(dir.path(), 300).unwrap().current();
        let sid = Uuid::new_v4();
        let token = issue_csrf_token(&ring, sid, 0).unwrap();
        let request = |echo: bool, cookie: bool| {
            let mut request = TestRequest::post();
            if echo {
                request = request.insert_header((CSRF_HEADER, token.as_str()));
            }
            if cookie {
                request = request.cookie(Cookie::new(CSRF_COOKIE, token.clone()));
            }
            request.to_http_request()
        };

        assert_eq!(check_csrf(&request(true, true), &ring, sid), Ok(()));
        assert_eq!(
            check_csrf(&request(false, true), &ring, sid),
            Err(CsrfError)
        );
        assert_eq!(
            check_csrf(&request(true, false), &ring, sid),
            Err(CsrfError)
        );
    }
}
