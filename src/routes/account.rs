//! `POST /auth/logout-all` and `POST /auth/password`: the signed-in user's own account.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::clock::Clock;
use crate::error::{ApiError, ErrorBody};
use crate::extractor::AuthenticatedUser;
use crate::http::{ClientIp, JsonObject};
use crate::sessions::Sessions;

/// Every refresh token of the user issued before stops working.
#[utoipa::path(
    post, path = "/auth/logout-all", tag = "accounts",
    responses(
        (status = 204, description = "Every earlier refresh token of the user is rejected; a login right after works."),
        (status = 401, description = "`invalid_token`: no, or no valid, access token.", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"authd\"`, with `error=\"invalid_token\"` for a bad token."))),
        (status = 403, description = "`csrf_failed`: a cookie-authenticated request without the CSRF echo.", body = ErrorBody),
        (status = 503, description = "`unavailable`.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security(("bearer" = []), ("access_cookie" = []))
)]
pub async fn logout_all(
    sessions: web::Data<Sessions>,
    clock: web::Data<dyn Clock>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    sessions.log_out_everywhere(user.id(), clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    current_password: String,
    new_password: String,
}

#[utoipa::path(
    post, path = "/auth/password", tag = "accounts",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; as logout-all, every earlier refresh token is rejected."),
        (status = 400, description = "`invalid_request`: malformed JSON, a missing or mistyped field.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: a body over 16 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not JSON, or compressed.", body = ErrorBody),
        (status = 401, description = "`invalid_token`.", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"authd\"`, with `error=\"invalid_token\"` for a bad token."))),
        (status = 403, description = "`invalid_credentials`: the current password is wrong; `csrf_failed` for a cookie request without the echo.", body = ErrorBody),
        (status = 422, description = "`weak_password`, with the reason.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many failed logins for this account and client, or the per-IP rate.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "`unavailable`: a store is down or the hashing pool is full.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security(("bearer" = []), ("access_cookie" = []))
)]
pub async fn change_password(
    (sessions, clock): (web::Data<Sessions>, web::Data<dyn Clock>),
    user: AuthenticatedUser,
    ClientIp(ip): ClientIp,
    body: JsonObject<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    sessions
        .change_password(user.id(), &current_password, &new_password, ip, clock.now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
