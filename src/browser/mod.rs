//! The cookie carrier for browsers (`AUTHD_COOKIES=on`): cookies are one more carrier for
//! the tokens of a session, never a second kind of session.
//!
//! A login sent with `X-Auth-Transport: cookie` answers in cookies only, so no script can
//! read the tokens: `__Host-authd_refresh` (HttpOnly, SameSite=Strict), `__Host-authd_access`
//! (HttpOnly, SameSite=Lax) and a readable `__Host-authd_csrf` bound to the session, all
//! Secure with Path=/ and no Domain. The `__Host-` prefix makes browsers refuse these names
//! from anyone but this very host, so a sibling subdomain can neither plant nor overwrite
//! them; a request with two cookies of one of these names is refused (see [`jar`]). A request
//! authenticated by cookie must, for any unsafe method, show a trusted origin when it shows
//! one (see [`origin`]) and echo `__Host-authd_csrf` in `X-CSRF-Token` (double submit; the
//! value is a MAC of the session id, so another session's genuine value does not pass).

mod carrier;
mod jar;
mod origin;

use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use uuid::Uuid;

pub use carrier::{RefreshBody, RefreshCarrier};
pub use jar::{only_cookie, AmbiguousCookie};

use crate::error::ApiError;
use crate::http::{no_store, CSRF_HEADER, TRANSPORT_HEADER};
use crate::keys::KeyRing;
use crate::tokens::{issue_csrf_token, CsrfError, DeviceToken, TokenPair};

/// Whether token responses may go into cookies (`AUTHD_COOKIES`), and the origins whose
/// cookie-authenticated requests are trusted besides authd's own; in app data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CookieCarrier {
    pub enabled: bool,
    /// `AUTHD_CORS_ORIGINS` without its wildcard: `*` never vouches for a credentialed request.
    pub trusted_origins: Vec<String>,
}

impl CookieCarrier {
    /// Whether `req` may be answered in cookies: the carrier is on and the client asked.
    pub fn wanted_by(&self, req: &HttpRequest) -> bool {
        self.enabled && wants_cookies(req)
    }

    /// The carrier of `req`'s app; `None` when none was configured (cookies are off).
    pub fn of(req: &HttpRequest) -> Option<&CookieCarrier> {
        req.app_data::<actix_web::web::Data<CookieCarrier>>()
            .map(|carrier| carrier.get_ref())
    }

    /// Whether `req`'s app reads cookies at all.
    pub fn enabled_for(req: &HttpRequest) -> bool {
        Self::of(req).is_some_and(|carrier| carrier.enabled)
    }
}

/// The `__Host-` prefix: browsers take these names only Secure, with Path=/ and no Domain,
/// and only from this host, so no sibling subdomain can set them.
pub const ACCESS_COOKIE: &str = "__Host-authd_access";
pub const REFRESH_COOKIE: &str = "__Host-authd_refresh";
pub const CSRF_COOKIE: &str = "__Host-authd_csrf";
pub const DEVICE_COOKIE: &str = "__Host-authd_device";
/// Browsers cap cookie lifetimes near 400 days.
const MAX_COOKIE_AGE: i64 = 400 * 86_400;

/// Whether the client asked for the cookie carrier (`X-Auth-Transport: cookie`).
pub fn wants_cookies(req: &HttpRequest) -> bool {
    req.headers()
        .get(TRANSPORT_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("cookie"))
}

/// The CSRF guard of a cookie-authenticated unsafe request of session `sid`: a trusted
/// origin when the request names one, and the double submit of the session's CSRF token.
pub fn check_csrf(req: &HttpRequest, ring: &KeyRing, sid: Uuid) -> Result<(), CsrfError> {
    let listed = CookieCarrier::of(req).map_or(&[][..], |c| &c.trusted_origins);
    if !origin::is_trusted(req, listed) {
        return Err(CsrfError);
    }
    let echoed = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let cookie = only_cookie(req, CSRF_COOKIE).map_err(|_| CsrfError)?;
    crate::tokens::check_csrf(echoed, cookie.as_deref(), ring, sid)
}

/// Methods that change state: a cookie-authenticated request with one needs the CSRF echo.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// One of authd's cookies: always Secure, Path=/ and no Domain, as `__Host-` requires.
fn cookie(
    name: &'static str,
    value: String,
    same_site: SameSite,
    http_only: bool,
    age: i64,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
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
    device: Option<&DeviceToken>,
) -> Result<HttpResponse, ApiError> {
    let csrf = issue_csrf_token(ring, sid, now)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no key can sign CSRF tokens")))?;
    Ok(tokens_in_cookies(HttpResponse::Ok(), pair, csrf, device))
}

/// The device token a browser keeps in its HttpOnly cookie. Two of them mark no device: the
/// client is then counted by its address, as any client without one.
pub fn device_cookie(req: &HttpRequest) -> Option<String> {
    only_cookie(req, DEVICE_COOKIE).ok().flatten()
}

/// Puts a session's tokens into cookies; the body says only how long they live.
fn tokens_in_cookies(
    mut response: HttpResponseBuilder,
    pair: &TokenPair,
    csrf: String,
    device: Option<&DeviceToken>,
) -> HttpResponse {
    response
        .cookie(cookie(
            REFRESH_COOKIE,
            pair.refresh_token.clone(),
            SameSite::Strict,
            true,
            pair.refresh_expires_in,
        ))
        .cookie(cookie(
            ACCESS_COOKIE,
            pair.access_token.clone(),
            SameSite::Lax,
            true,
            pair.expires_in,
        ))
        .cookie(cookie(
            CSRF_COOKIE,
            csrf,
            SameSite::Strict,
            false,
            pair.refresh_expires_in,
        ));
    if let Some(device) = device {
        response.cookie(cookie(
            DEVICE_COOKIE,
            device.token.clone(),
            SameSite::Strict,
            true,
            device.expires_in.min(MAX_COOKIE_AGE),
        ));
    }
    no_store(response.json(CookieSession {
        token_type: "cookie",
        expires_in: pair.expires_in,
        refresh_expires_in: pair.refresh_expires_in,
    }))
}

/// The body of a login or refresh answered in cookies: only how long they live.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CookieSession {
    #[schema(example = "cookie")]
    token_type: &'static str,
    expires_in: i64,
    refresh_expires_in: i64,
}

/// Expires the three session cookies (the device cookie stays: it marks a known device).
pub fn clear_token_cookies(response: &mut HttpResponseBuilder) {
    for (name, same_site, http_only) in [
        (REFRESH_COOKIE, SameSite::Strict, true),
        (ACCESS_COOKIE, SameSite::Lax, true),
        (CSRF_COOKIE, SameSite::Strict, false),
    ] {
        response.cookie(cookie(name, String::new(), same_site, http_only, 0));
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
