//! The `Authorization: Bearer` extractor (RFC 6750 §2.1). A handler that takes an
//! [`AuthenticatedUser`] is protected, and its signature says so:
//!
//! ```no_run
//! use actix_web::{get, web, App, HttpServer, Responder};
//! use authd::extractor::{Admin, AuthenticatedUser, RequireRole};
//! use authd::keys::KeyStore;
//! use authd::tokens::AccessTokenVerifier;
//!
//! #[get("/hello")]
//! async fn hello(user: AuthenticatedUser) -> impl Responder {
//!     format!("hello {}", user.email())
//! }
//!
//! #[get("/admin")]
//! async fn admin(RequireRole(user, ..): RequireRole<Admin>) -> impl Responder {
//!     format!("hello admin {}", user.id())
//! }
//!
//! # async fn run() -> anyhow::Result<()> {
//! authd::install_crypto_provider();
//! // The folder may hold only `<kid>.pub.pem` files: verifying needs no private key.
//! let keys = KeyStore::open("keys", 300)?;
//! let clock = std::sync::Arc::new(authd::clock::SystemClock);
//! let verifier = web::Data::new(AccessTokenVerifier::new(keys, "authd", "authd", 30, clock));
//! HttpServer::new(move || App::new().app_data(verifier.clone()).service(hello).service(admin))
//!     .bind("127.0.0.1:9000")?
//!     .run()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! No store is consulted: the token alone proves who the caller is.

use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::browser::{check_csrf, is_unsafe, ACCESS_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::{AccessClaims, AccessTokenVerifier};

/// The caller, proven by a valid access token.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    claims: AccessClaims,
}

impl AuthenticatedUser {
    pub fn id(&self) -> Uuid {
        self.claims.sub
    }

    pub fn email(&self) -> &str {
        &self.claims.email
    }

    pub fn roles(&self) -> &[String] {
        &self.claims.roles
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.claims.roles.iter().any(|r| r == role)
    }

    pub fn session_id(&self) -> Uuid {
        self.claims.sid
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.claims.exp, 0).unwrap_or_default()
    }

    pub fn claims(&self) -> &AccessClaims {
        &self.claims
    }
}

/// Why a request carries no usable bearer token.
#[derive(Debug, PartialEq, Eq)]
pub enum BearerError {
    /// No Authorization header, or another scheme: a plain challenge.
    Missing,
    /// Bearer, but not a well-formed token: `error="invalid_token"`.
    Malformed,
}

/// Extracts the token of `Authorization: Bearer <token>`: the scheme is case-insensitive,
/// one or more spaces follow it, and the token is an RFC 6750 b64token.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, BearerError> {
    let mut values = req.headers().get_all(AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::Malformed);
    }
    parse_bearer(value.as_bytes())
}

/// The header-value half of [`bearer_token`].
pub fn parse_bearer(value: &[u8]) -> Result<&str, BearerError> {
    let Ok(value) = std::str::from_utf8(value) else {
        return Err(BearerError::Malformed);
    };
    // The scheme ends at the first whitespace: `Bearer\tabc` is a Bearer credential with a
    // bad separator (malformed), `Bearerabc` another scheme.
    let scheme_end = value.find([' ', '\t']).unwrap_or(value.len());
    let (scheme, rest) = value.split_at(scheme_end);
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = rest.trim_start_matches(' ');
    if !rest.starts_with(' ') || !is_b64token(token) {
        return Err(BearerError::Malformed);
    }
    Ok(token)
}

fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

fn authenticate(req: &HttpRequest) -> Result<AuthenticatedUser, ApiError> {
    let verifier = req
        .app_data::<web::Data<AccessTokenVerifier>>()
        .ok_or_else(|| ApiError::Internal("no AccessTokenVerifier in app_data".into()))?;
    // The Bearer header always wins; the cookie is only looked at without one.
    let token = match bearer_token(req) {
        Ok(token) => token,
        Err(BearerError::Malformed) => return Err(ApiError::InvalidToken),
        Err(BearerError::Missing) => return authenticate_by_cookie(req, verifier),
    };
    verify(verifier, token)
}

fn verify(verifier: &AccessTokenVerifier, token: &str) -> Result<AuthenticatedUser, ApiError> {
    match verifier.verify(token) {
        Ok(claims) => Ok(AuthenticatedUser { claims }),
        Err(err) => {
            log::debug!("access token rejected: {err}");
            Err(ApiError::InvalidToken)
        }
    }
}

/// A cookie session (`AUTHD_COOKIES=on`): the `authd_access` cookie, and for an unsafe
/// method the CSRF echo.
fn authenticate_by_cookie(
    req: &HttpRequest,
    verifier: &AccessTokenVerifier,
) -> Result<AuthenticatedUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .filter(|state| state.cookies);
    let (Some(state), Some(cookie)) = (state, req.cookie(ACCESS_COOKIE)) else {
        return Err(ApiError::MissingToken);
    };
    let user = verify(verifier, cookie.value())?;
    if is_unsafe(req.method()) {
        check_csrf(req, &state.keys.current(), user.session_id())?;
    }
    Ok(user)
}

impl FromRequest for AuthenticatedUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// A role name, as a type, for [`RequireRole`].
pub trait RoleName {
    const NAME: &'static str;
}

/// The `admin` role.
#[derive(Debug)]
pub struct Admin;

impl RoleName for Admin {
    const NAME: &'static str = "admin";
}

/// An [`AuthenticatedUser`] who holds role `R`; 403 `insufficient_scope` otherwise.
#[derive(Debug)]
pub struct RequireRole<R: RoleName>(pub AuthenticatedUser, pub PhantomData<R>);

impl<R: RoleName> FromRequest for RequireRole<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).and_then(|user| {
            if user.has_role(R::NAME) {
                Ok(RequireRole(user, PhantomData))
            } else {
                Err(ApiError::InsufficientScope(R::NAME))
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_is_case_insensitive_and_spaces_may_repeat() {
        assert_eq!(parse_bearer(b"Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(parse_bearer(b"bearer abc"), Ok("abc"));
        assert_eq!(parse_bearer(b"BEARER    abc"), Ok("abc"));
        assert_eq!(parse_bearer(b"Bearer abc=="), Ok("abc=="));
    }

    #[test]
    fn other_schemes_are_a_missing_token() {
        assert_eq!(
            parse_bearer(b"Basic dXNlcjpwYXNz"),
            Err(BearerError::Missing)
        );
        assert_eq!(parse_bearer(b"Token abc"), Err(BearerError::Missing));
        assert_eq!(parse_bearer(b""), Err(BearerError::Missing));
        assert_eq!(parse_bearer(b"Bearerabc"), Err(BearerError::Missing));
    }

    #[test]
    fn malformed_bearer_values_are_invalid_tokens() {
        for bad in [
            &b"Bearer"[..],
            b"Bearer ",
            b"Bearer a b",
            b"Bearer a\tb",
            b"Bearer \"abc\"",
            b"Bearer ===",
            b"Bearer abc=def",
            b"Bearer \xff\xfe",
            b"Bearer\tabc",
        ] {
            let got = parse_bearer(bad);
            assert!(got.is_err(), "{:?} accepted", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_bearer(b"Bearer a b"), Err(BearerError::Malformed));
        assert_eq!(parse_bearer(b"Bearer\tabc"), Err(BearerError::Malformed));
    }
}
