//! Issuing and verifying tokens: access tokens (`at+jwt`, verified offline by anyone through
//! the JWKS), refresh tokens (`rt+jwt`, HS256 under a key only authd can derive) and device
//! tokens (an HMAC-signed id that marks a known client).

pub(crate) mod access;
mod cache;
mod csrf;
mod device;
mod header;
mod refresh;
mod successor;
mod verifier;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ClientIds;
use crate::settings::TokenSettings;

pub use access::{issue_access_token, AccessClaims, Subject};
pub use cache::{CacheCounters, TokenCache};
pub use csrf::{check_csrf, issue_csrf_token, verify_csrf_token, CsrfError};
pub use device::{issue_device_token, verify_device_token, DeviceId, DeviceOwner, DeviceToken};
pub use header::MAX_TOKEN_BYTES;
pub use refresh::{issue_refresh_token, verify_refresh_token, RefreshCheck, RefreshClaims};
pub use successor::{open_successor, seal_successor};
pub use verifier::{AccessTokenVerifier, StalePolicy};

/// What is wrong with a presented token; logged at debug level, never sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token longer than 8 KiB")]
    TooLong,
    #[error("token is not three base64url segments")]
    Malformed,
    #[error("token header: {0}")]
    Header(String),
    #[error("unknown kid")]
    UnknownKey,
    /// `typ` names the other kind of token, or none.
    #[error("wrong typ")]
    WrongType,
    /// `alg` is not the algorithm of the key `kid` names (or not HS256 for a refresh token).
    #[error("alg does not match the key")]
    WrongAlgorithm,
    #[error("bad signature")]
    BadSignature,
    #[error("wrong issuer")]
    WrongIssuer,
    #[error("wrong audience")]
    WrongAudience,
    /// A claim is missing or of the wrong type (jsonwebtoken's words).
    #[error("claims rejected: {0}")]
    InvalidClaims(String),
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token issued in the future")]
    IssuedInFuture,
    /// A revocation fact covers its session or its user's generation.
    #[error("token revoked")]
    Revoked,
    /// The verifier refuses while its revocation facts may be out of date.
    #[error("revocation facts unavailable")]
    RevocationsUnknown,
    #[error("no key can sign")]
    NoSigningKey,
    #[error("signing failed: {0}")]
    Signing(String),
}

impl TokenError {
    /// Why jsonwebtoken refused a token, as precisely as it says. Its time checks are off
    /// (ours take an injected now) and the header was checked before, so what remains is
    /// the signature, `iss`, `aud` and the claims' shape.
    pub(crate) fn from_jsonwebtoken(err: jsonwebtoken::errors::Error) -> TokenError {
        use jsonwebtoken::errors::ErrorKind;
        match err.kind() {
            ErrorKind::InvalidSignature => TokenError::BadSignature,
            ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
            ErrorKind::InvalidAudience => TokenError::WrongAudience,
            ErrorKind::InvalidAlgorithm => TokenError::WrongAlgorithm,
            _ => TokenError::InvalidClaims(err.to_string()),
        }
    }
}

/// The lifetimes and names every token carries; one value, built from the settings.
#[derive(Debug, Clone)]
pub struct TokenPolicy {
    pub issuer: String,
    pub audience: String,
    /// The clients tokens may be issued to; the first is the JSON endpoints' client.
    pub client_ids: ClientIds,
    pub access_ttl: i64,
    pub refresh_ttl: i64,
    pub session_ttl: i64,
    pub reuse_grace: i64,
    pub leeway: i64,
}

impl TokenPolicy {
    pub fn new(tokens: &TokenSettings) -> Self {
        let secs = |n: u64| i64::try_from(n).unwrap_or(i64::MAX / 2);
        TokenPolicy {
            issuer: tokens.issuer.clone(),
            audience: tokens.audience.clone(),
            client_ids: tokens.client_ids.clone(),
            access_ttl: secs(tokens.access_ttl),
            refresh_ttl: secs(tokens.refresh_ttl),
            session_ttl: secs(tokens.session_ttl),
            reuse_grace: secs(tokens.refresh_reuse_grace),
            leeway: secs(tokens.leeway),
        }
    }

    /// `aud` of refresh tokens: no verifier of access tokens expects it.
    pub fn refresh_audience(&self) -> String {
        format!("{}/refresh", self.issuer)
    }

    /// Until when a revocation recorded at `now` must stand: the latest `exp` an access
    /// token issued by then can have, plus the leeway a verifier grants it.
    pub fn revocation_until(&self, now: i64) -> i64 {
        now.saturating_add(self.access_ttl)
            .saturating_add(self.leeway)
    }
}

/// One login: every token minted from it shares the `sid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub sid: Uuid,
    /// Unix seconds of the login.
    pub auth_time: i64,
}

impl Session {
    pub fn start(now: i64) -> Self {
        Session {
            sid: Uuid::new_v4(),
            auth_time: now,
        }
    }

    /// Unix seconds after which no token of this session may be refreshed.
    pub fn ends_at(&self, policy: &TokenPolicy) -> i64 {
        self.auth_time.saturating_add(policy.session_ttl)
    }
}

/// The body of a successful login or refresh.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TokenPair {
    /// A JWT, `typ` `at+jwt`: send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// A JWT, `typ` `rt+jwt`, for `/auth/refresh` only; it rotates at each use.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    #[schema(example = 1209600)]
    pub refresh_expires_in: i64,
}

/// Tokens are credentials: they never reach a log through `{:?}`.
impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"[redacted]")
            .field("refresh_expires_in", &self.refresh_expires_in)
            .finish()
    }
}

/// Checks `exp`, `nbf` and `iat` against an injected `now` (jsonwebtoken only knows the
/// system clock, so its own time checks are turned off).
pub(crate) fn check_times(
    exp: i64,
    nbf: Option<i64>,
    iat: i64,
    now: i64,
    leeway: i64,
) -> Result<(), TokenError> {
    if now > exp.saturating_add(leeway) {
        return Err(TokenError::Expired);
    }
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(TokenError::NotYetValid);
    }
    if iat > now.saturating_add(leeway) {
        return Err(TokenError::IssuedInFuture);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
