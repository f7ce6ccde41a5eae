//! `ApiError`: the one place an error becomes an HTTP answer. One table maps each variant to
//! its status, code, challenge and `Retry-After`; the library's own errors (flows, throttle,
//! stores, hashing, CSRF) convert into it here. Real causes are kept as sources, logged
//! once when the answer is made, and never sent. The OAuth 2.0 endpoints answer the same
//! errors in RFC 6749 §5.2's shape instead: see `oauth`.

use std::error::Error as _;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::hashing::HashError;
use crate::sessions::SessionError;
use crate::store::StoreError;
use crate::throttle::ThrottleError;
use crate::tokens::CsrfError;

mod oauth;

pub use oauth::{OAuthError, OAuthErrorBody};

const REALM: &str = "Bearer realm=\"authd\"";
/// Seconds a client should wait after a 503 before trying again.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    /// No `Authorization: Bearer` header at all (or another scheme).
    #[error("authentication required")]
    MissingToken,
    #[error("the access token is invalid or expired")]
    InvalidToken,
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidGrant,
    #[error("this needs the '{0}' role")]
    InsufficientScope(crate::domain::Role),
    #[error("missing or wrong X-CSRF-Token, or a request from an untrusted origin")]
    CsrfFailed,
    #[error("no such resource")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("request body larger than 16 KiB")]
    PayloadTooLarge,
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("request bodies must not be compressed (Content-Encoding: identity only)")]
    CompressedBody,
    #[error("{0}")]
    InvalidEmail(String),
    #[error("{0}")]
    WeakPassword(String),
    #[error("too many attempts; retry after {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("request headers larger than 16 KiB")]
    HeadersTooLarge,
    /// A store did not answer: fail closed.
    #[error("temporarily unavailable; retry shortly")]
    Unavailable(#[source] StoreError),
    /// The password-hashing pool is full: load shedding, not a fault.
    #[error("too busy; retry shortly")]
    Overloaded,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// How a variant is answered.
struct Answer {
    status: StatusCode,
    code: &'static str,
    /// `error=` of `WWW-Authenticate: Bearer`; `Some("")` for the bare challenge.
    challenge: Option<&'static str>,
    retry_after: Option<u64>,
}

/// The body of every failure (the OAuth 2.0 endpoints answer [`OAuthErrorBody`]).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code: `invalid_request`, `invalid_token`, `rate_limited`, …
    #[schema(example = "invalid_request")]
    error: &'static str,
    /// For humans; may change.
    message: String,
}

impl ApiError {
    /// The one table: every variant's status, code, challenge and `Retry-After`.
    fn answer(&self) -> Answer {
        use StatusCode as S;
        let (status, code, challenge, retry_after) = match self {
            ApiError::InvalidRequest(_) => (S::BAD_REQUEST, "invalid_request", None, None),
            ApiError::InvalidCredentials => (S::UNAUTHORIZED, "invalid_credentials", None, None),
            ApiError::WrongCurrentPassword => (S::FORBIDDEN, "invalid_credentials", None, None),
            ApiError::MissingToken => (S::UNAUTHORIZED, "invalid_token", Some(""), None),
            ApiError::InvalidToken => (
                S::UNAUTHORIZED,
                "invalid_token",
                Some("invalid_token"),
                None,
            ),
            ApiError::InvalidGrant => (S::UNAUTHORIZED, "invalid_grant", None, None),
            ApiError::InsufficientScope(_) => (
                S::FORBIDDEN,
                "insufficient_scope",
                Some("insufficient_scope"),
                None,
            ),
            ApiError::CsrfFailed => (S::FORBIDDEN, "csrf_failed", None, None),
            ApiError::NotFound => (S::NOT_FOUND, "not_found", None, None),
            ApiError::MethodNotAllowed => (S::METHOD_NOT_ALLOWED, "method_not_allowed", None, None),
            ApiError::EmailTaken => (S::CONFLICT, "email_taken", None, None),
            ApiError::PayloadTooLarge => (S::PAYLOAD_TOO_LARGE, "payload_too_large", None, None),
            ApiError::UnsupportedMediaType | ApiError::CompressedBody => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
                None,
            ),
            ApiError::InvalidEmail(_) => (S::UNPROCESSABLE_ENTITY, "invalid_email", None, None),
            ApiError::WeakPassword(_) => (S::UNPROCESSABLE_ENTITY, "weak_password", None, None),
            ApiError::RateLimited { retry_after } => (
                S::TOO_MANY_REQUESTS,
                "rate_limited",
                None,
                Some((*retry_after).max(1)),
            ),
            ApiError::HeadersTooLarge => (
                S::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                None,
                None,
            ),
            ApiError::Unavailable(_) | ApiError::Overloaded => (
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                None,
                Some(RETRY_AFTER_UNAVAILABLE),
            ),
            ApiError::Internal(_) => (S::INTERNAL_SERVER_ERROR, "internal_error", None, None),
        };
        Answer {
            status,
            code,
            challenge,
            retry_after,
        }
    }

    pub fn code(&self) -> &'static str {
        self.answer().code
    }

    /// Logs what the client is not told: the cause of a 503 or a 500, once.
    fn log_cause(&self) {
        let cause = || {
            let mut text = String::new();
            let mut source = self.source();
            while let Some(err) = source {
                text.push_str(": ");
                text.push_str(&err.to_string());
                source = err.source();
            }
            text
        };
        match self {
            ApiError::Unavailable(_) => log::warn!("503{}", cause()),
            ApiError::Overloaded => log::debug!("503: the password-hashing pool is full"),
            ApiError::Internal(_) => log::error!("500{}", cause()),
            _ => {}
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.answer().status
    }

    fn error_response(&self) -> HttpResponse {
        self.log_cause();
        let answer = self.answer();
        let mut response = HttpResponse::build(answer.status);
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        match answer.challenge {
            Some("") => response.insert_header((header::WWW_AUTHENTICATE, REALM)),
            Some(error) => response.insert_header((
                header::WWW_AUTHENTICATE,
                format!("{REALM}, error=\"{error}\""),
            )),
            None => &mut response,
        };
        if let Some(seconds) = answer.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody {
            error: answer.code,
            message: self.to_string(),
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) => ApiError::Unavailable(err),
            StoreError::Corrupt(_) => ApiError::Internal(err.into()),
        }
    }
}

impl From<HashError> for ApiError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Busy => ApiError::Overloaded,
            HashError::Failed(_) => ApiError::Internal(err.into()),
        }
    }
}

impl From<ThrottleError> for ApiError {
    fn from(err: ThrottleError) -> Self {
        match err {
            ThrottleError::Limited { retry_after } => ApiError::RateLimited { retry_after },
            ThrottleError::Store(err) => err.into(),
        }
    }
}

impl From<CsrfError> for ApiError {
    fn from(_: CsrfError) -> Self {
        ApiError::CsrfFailed
    }
}

impl From<SessionError> for ApiError {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::InvalidCredentials => ApiError::InvalidCredentials,
            SessionError::WrongCurrentPassword => ApiError::WrongCurrentPassword,
            SessionError::InvalidGrant => ApiError::InvalidGrant,
            SessionError::UnknownUser => ApiError::InvalidToken,
            SessionError::InvalidEmail(e) => ApiError::InvalidEmail(e.to_string()),
            SessionError::WeakPassword(e) => ApiError::WeakPassword(e.to_string()),
            SessionError::EmailTaken => ApiError::EmailTaken,
            SessionError::Throttled(e) => e.into(),
            SessionError::Store(e) => e.into(),
            SessionError::Hashing(e) => e.into(),
            SessionError::Signing(_) | SessionError::CorruptSuccessor => {
                ApiError::Internal(err.into())
            }
        }
    }
}
