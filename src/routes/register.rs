//! `POST /auth/register`: create an account.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ErrorBody};
use crate::http::{rfc3339, JsonObject};
use crate::sessions::Sessions;

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// Trimmed, NFKC-normalized and lower-cased before it is stored.
    #[schema(example = "alice@example.com", min_length = 3, max_length = 254)]
    email: String,
    /// At least `AUTHD_PASSWORD_MIN_LENGTH` (15) and at most 128 code points, not a common
    /// password, not the email.
    #[schema(
        example = "correct horse battery staple",
        min_length = 8,
        max_length = 128
    )]
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    id: Uuid,
    email: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created_at: String,
}

#[utoipa::path(
    post, path = "/auth/register", tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The account was created; it does not sign in.", body = Registered),
        (status = 400, description = "`invalid_request`: malformed JSON, a missing or mistyped field.", body = ErrorBody),
        (status = 409, description = "`email_taken`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: a body over 16 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not JSON, or compressed.", body = ErrorBody),
        (status = 422, description = "`invalid_email` or `weak_password`, with the reason.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: the per-IP rate.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "`unavailable`: the hashing pool is full or a store is down.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
pub async fn register(
    sessions: web::Data<Sessions>,
    body: JsonObject<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = sessions.register(&body.email, &body.password).await?;
    Ok(HttpResponse::Created().json(Registered {
        id: user.id,
        email: user.email.as_str().to_owned(),
        created_at: rfc3339(user.created_at),
    }))
}
