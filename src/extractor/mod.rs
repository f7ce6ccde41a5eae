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
//! A service without a key folder verifies against authd's JWKS instead: pass a
//! [`crate::keys::RemoteJwks`] where the [`KeyStore`](crate::keys::KeyStore) is (see
//! `examples/resource_server.rs`).
//!
//! No store is consulted: the token alone proves who the caller is.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use uuid::Uuid;

mod bearer;
mod role;

pub use bearer::{bearer_token, parse_bearer, BearerError};
pub use role::{Admin, RequireRole, RoleName};

use crate::browser::{check_csrf, is_unsafe, only_cookie, CookieCarrier, ACCESS_COOKIE};
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::Caller;
use crate::tokens::{AccessClaims, AccessTokenVerifier, TokenError};

/// What the extractors return: verifying may wait for a remote JWKS to be fetched again.
type Extraction<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The caller, proven by a valid access token.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    claims: Arc<AccessClaims>,
}

impl AuthenticatedUser {
    pub fn id(&self) -> Uuid {
        self.claims.sub
    }

    pub fn email(&self) -> &str {
        &self.claims.email
    }

    /// The client the token was issued to (`client_id`, RFC 9068 §2.2).
    pub fn client_id(&self) -> &str {
        &self.claims.client_id
    }

    pub fn roles(&self) -> &[String] {
        &self.claims.roles
    }

    pub fn has_role(&self, role: &Role) -> bool {
        self.claims.roles.iter().any(|r| r == role.as_str())
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

/// Verifies `token` as [`AccessTokenVerifier::verify`] does, and when it names a kid the
/// keys lack, lets the key source fetch again (a remote JWKS: at most once per interval,
/// however many requests ask) and verifies once more. The extractors' check; for other
/// entry points of a service (a WebSocket upgrade, a message consumer) too.
pub async fn verify_access_token(
    verifier: &AccessTokenVerifier,
    token: &str,
) -> Result<Arc<AccessClaims>, TokenError> {
    match verifier.verify(token) {
        Err(TokenError::UnknownKey) if verifier.keys().refetch_for_unknown_kid().await => {
            verifier.verify(token)
        }
        outcome => outcome,
    }
}

async fn authenticate(req: &HttpRequest) -> Result<AuthenticatedUser, ApiError> {
    let verifier = req
        .app_data::<web::Data<AccessTokenVerifier>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no AccessTokenVerifier in app_data")))?;
    // The Bearer header always wins; the cookie is only looked at without one.
    let token = match bearer_token(req) {
        Ok(token) => token,
        Err(BearerError::Malformed) => return Err(ApiError::InvalidToken),
        Err(BearerError::Missing) => return authenticate_by_cookie(req, verifier).await,
    };
    verify(verifier, token).await
}

/// Authenticates `req`, and marks its caller for the access log.
async fn authenticate_and_mark(req: HttpRequest) -> Result<AuthenticatedUser, ApiError> {
    let user = authenticate(&req).await?;
    req.extensions_mut().insert(Caller(user.id()));
    Ok(user)
}

async fn verify(
    verifier: &AccessTokenVerifier,
    token: &str,
) -> Result<AuthenticatedUser, ApiError> {
    match verify_access_token(verifier, token).await {
        Ok(claims) => Ok(AuthenticatedUser { claims }),
        Err(err) => {
            log::debug!("access token rejected: {err}");
            Err(ApiError::InvalidToken)
        }
    }
}

/// The cookie carrier (`AUTHD_COOKIES=on`): the one `__Host-authd_access` cookie (two are
/// an invalid token, never resolved by order), and for an unsafe method the CSRF guard.
async fn authenticate_by_cookie(
    req: &HttpRequest,
    verifier: &AccessTokenVerifier,
) -> Result<AuthenticatedUser, ApiError> {
    if !CookieCarrier::enabled_for(req) {
        return Err(ApiError::MissingToken);
    }
    let Some(token) = only_cookie(req, ACCESS_COOKIE).map_err(|_| ApiError::InvalidToken)? else {
        return Err(ApiError::MissingToken);
    };
    let user = verify(verifier, &token).await?;
    if is_unsafe(req.method()) {
        check_csrf(req, &verifier.keys().current(), user.session_id())?;
    }
    Ok(user)
}

impl FromRequest for AuthenticatedUser {
    type Error = ApiError;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate_and_mark(req.clone()))
    }
}

#[cfg(test)]
mod tests;
