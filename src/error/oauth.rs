//! `OAuthError`: how the OAuth 2.0 endpoints (`/oauth/token`, `/oauth/revoke`) answer,
//! in RFC 6749 §5.2's shape `{error, error_description}`. Their own failures have §5.2
//! codes; every other `ApiError` keeps its status and `Retry-After` and takes the §5.2
//! code that says the same thing, so standard client libraries raise the right error.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use super::ApiError;
use crate::sessions::SessionError;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// A missing or repeated parameter, or a body that is not a form.
    #[error("{0}")]
    InvalidRequest(String),
    /// A `client_id` that is not in `AUTHD_CLIENT_IDS` (or a client secret: every client
    /// is public). `basic`: the client authenticated with HTTP Basic, so the answer
    /// carries that challenge (§5.2).
    #[error("unknown client, or a client secret where none is issued")]
    InvalidClient { basic: bool },
    #[error("grant_type must be password or refresh_token")]
    UnsupportedGrantType,
    /// Everything the shared flows can answer, in §5.2's shape.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// RFC 6749 §5.2's error body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    #[schema(example = "invalid_grant")]
    error: &'static str,
    error_description: String,
}

impl OAuthError {
    /// The one table: status and §5.2 code of every failure.
    fn answer(&self) -> (StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            OAuthError::InvalidRequest(_) => (S::BAD_REQUEST, "invalid_request"),
            OAuthError::InvalidClient { .. } => (S::UNAUTHORIZED, "invalid_client"),
            OAuthError::UnsupportedGrantType => (S::BAD_REQUEST, "unsupported_grant_type"),
            OAuthError::Api(err) => match err {
                // §5.2: a wrong password and a bad refresh token are both a bad grant.
                ApiError::InvalidCredentials | ApiError::InvalidGrant => {
                    (S::BAD_REQUEST, "invalid_grant")
                }
                ApiError::InvalidRequest(_)
                | ApiError::UnsupportedMediaType
                | ApiError::CompressedBody => (S::BAD_REQUEST, "invalid_request"),
                ApiError::PayloadTooLarge => (S::PAYLOAD_TOO_LARGE, "invalid_request"),
                ApiError::Unavailable(_) | ApiError::Overloaded => {
                    (S::SERVICE_UNAVAILABLE, "temporarily_unavailable")
                }
                ApiError::Internal(_) => (S::INTERNAL_SERVER_ERROR, "server_error"),
                other => (other.answer().status, other.answer().code),
            },
        }
    }
}

impl From<SessionError> for OAuthError {
    fn from(err: SessionError) -> Self {
        OAuthError::Api(err.into())
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.answer().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code) = self.answer();
        let mut response = HttpResponse::build(status);
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
        match self {
            OAuthError::InvalidClient { basic: true } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"authd\""));
            }
            OAuthError::Api(err) => {
                err.log_cause();
                if let Some(seconds) = err.answer().retry_after {
                    response.insert_header((header::RETRY_AFTER, seconds.to_string()));
                }
            }
            _ => {}
        }
        response.json(OAuthErrorBody {
            error: code,
            error_description: self.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;
    use crate::store::StoreError;

    async fn answered(err: OAuthError) -> (StatusCode, serde_json::Value, HttpResponse) {
        let response = err.error_response();
        let status = response.status();
        let head = HttpResponse::build(status).finish();
        let mut copy = head;
        for (name, value) in response.headers() {
            copy.headers_mut().insert(name.clone(), value.clone());
        }
        let body = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap(), copy)
    }

    #[actix_web::test]
    async fn a_wrong_password_and_a_bad_refresh_token_are_400_invalid_grant() {
        for err in [ApiError::InvalidCredentials, ApiError::InvalidGrant] {
            let (status, body, _) = answered(err.into()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body["error"], "invalid_grant");
            assert!(!body["error_description"].as_str().unwrap().is_empty());
            assert!(body.get("message").is_none());
        }
    }

    #[actix_web::test]
    async fn basic_clients_get_the_basic_challenge_with_invalid_client() {
        let (status, body, head) = answered(OAuthError::InvalidClient { basic: true }).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "invalid_client");
        assert_eq!(
            head.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Basic realm=\"authd\""
        );
        let (_, _, head) = answered(OAuthError::InvalidClient { basic: false }).await;
        assert!(head.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[actix_web::test]
    async fn throttling_and_outages_keep_their_status_and_retry_after() {
        let (status, body, head) = answered(ApiError::RateLimited { retry_after: 7 }.into()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body["error"], "rate_limited");
        assert_eq!(head.headers().get(header::RETRY_AFTER).unwrap(), "7");

        let down = ApiError::Unavailable(StoreError::Unavailable(anyhow::anyhow!("down")));
        let (status, body, head) = answered(down.into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"], "temporarily_unavailable");
        assert_eq!(head.headers().get(header::RETRY_AFTER).unwrap(), "1");
        assert_eq!(head.headers().get(header::PRAGMA).unwrap(), "no-cache");
    }

    #[actix_web::test]
    async fn request_errors_are_invalid_request_and_grant_types_unsupported_grant_type() {
        let (status, body, _) = answered(ApiError::UnsupportedMediaType.into()).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::BAD_REQUEST, &"invalid_request".into())
        );
        let (status, body, _) = answered(OAuthError::UnsupportedGrantType).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "unsupported_grant_type");
    }
}
