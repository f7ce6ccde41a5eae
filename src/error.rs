//! `ApiError`: the one place an error becomes an HTTP answer (status, JSON body,
//! `WWW-Authenticate`, `Retry-After`). Internal causes are logged here, never sent.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::hashing::HashError;
use crate::store::StoreError;

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
    InsufficientScope(&'static str),
    #[error("missing or wrong X-CSRF-Token")]
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
    #[error("{0}")]
    InvalidEmail(String),
    #[error("{0}")]
    WeakPassword(String),
    #[error("too many attempts; retry after {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("request headers larger than 16 KiB")]
    HeadersTooLarge,
    #[error("temporarily unavailable; retry shortly")]
    Unavailable(String),
    /// The password-hashing pool is full: load shedding, not a fault.
    #[error("too busy; retry shortly")]
    Overloaded,
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::InvalidCredentials | ApiError::WrongCurrentPassword => "invalid_credentials",
            ApiError::MissingToken | ApiError::InvalidToken => "invalid_token",
            ApiError::InvalidGrant => "invalid_grant",
            ApiError::InsufficientScope(_) => "insufficient_scope",
            ApiError::CsrfFailed => "csrf_failed",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::EmailTaken => "email_taken",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::InvalidEmail(_) => "invalid_email",
            ApiError::WeakPassword(_) => "weak_password",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::HeadersTooLarge => "headers_too_large",
            ApiError::Unavailable(_) | ApiError::Overloaded => "unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn www_authenticate(&self) -> Option<String> {
        match self {
            ApiError::MissingToken => Some(REALM.to_owned()),
            ApiError::InvalidToken => Some(format!("{REALM}, error=\"invalid_token\"")),
            ApiError::InsufficientScope(_) => {
                Some(format!("{REALM}, error=\"insufficient_scope\""))
            }
            _ => None,
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after } => Some((*retry_after).max(1)),
            ApiError::Unavailable(_) | ApiError::Overloaded => Some(RETRY_AFTER_UNAVAILABLE),
            _ => None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidCredentials
            | ApiError::MissingToken
            | ApiError::InvalidToken
            | ApiError::InvalidGrant => StatusCode::UNAUTHORIZED,
            ApiError::WrongCurrentPassword
            | ApiError::InsufficientScope(_)
            | ApiError::CsrfFailed => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::EmailTaken => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::InvalidEmail(_) | ApiError::WeakPassword(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Unavailable(_) | ApiError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Unavailable(cause) => log::warn!("503: {cause}"),
            ApiError::Overloaded => log::debug!("503: the password-hashing pool is full"),
            ApiError::Internal(cause) => log::error!("500: {cause}"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        if let Some(challenge) = self.www_authenticate() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody {
            error: self.code(),
            message: self.to_string(),
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Unavailable(format!("{err:#}"))
    }
}

impl From<HashError> for ApiError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Busy => ApiError::Overloaded,
            HashError::Failed(cause) => ApiError::Internal(cause),
        }
    }
}
