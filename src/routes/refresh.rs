//! `POST /auth/refresh`: rotate. The refresh token comes in the body, or for a browser in
//! the `__Host-authd_refresh` cookie; a cookie carrier is answered in cookies.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::browser::{answer_in_cookies, check_csrf, RefreshCarrier};
use crate::browser::{CookieSession, RefreshBody};
use crate::clock::Clock;
use crate::error::{ApiError, ErrorBody};
use crate::http::no_store;
use crate::keys::KeyStore;
use crate::sessions::Sessions;
use crate::tokens::RefreshCheck;
use crate::tokens::TokenPair;

#[utoipa::path(
    post, path = "/auth/refresh", tag = "sessions",
    request_body(content = Option<RefreshBody>, description = "`{refresh_token}`; empty for a cookie session."),
    responses(
        (status = 200, description = "A new pair of the same session; the presented refresh token is retired. Cookie sessions are answered in cookies.",
            content((TokenPair = "application/json"), (CookieSession = "application/json"))),
        (status = 400, description = "`invalid_request`: malformed JSON, a missing or mistyped field.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: a body over 16 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not JSON, or compressed.", body = ErrorBody),
        (status = 401, description = "`invalid_grant`: forged, expired, retired (a replay, which revokes the session) or revoked; `invalid_token` for two refresh cookies.", body = ErrorBody),
        (status = 403, description = "`csrf_failed`: a cookie session without the CSRF echo.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many failed logins for this account and client, or the per-IP rate.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "`unavailable`: a store is down or the hashing pool is full.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security((), ("refresh_cookie" = []))
)]
pub async fn refresh(
    req: HttpRequest,
    (sessions, keys, clock): (
        web::Data<Sessions>,
        web::Data<KeyStore>,
        web::Data<dyn Clock>,
    ),
    carrier: RefreshCarrier,
) -> Result<HttpResponse, ApiError> {
    let (now, ring) = (clock.now(), keys.current());
    let claims = sessions.verify_refresh(&ring, carrier.token(), now, RefreshCheck::Live)?;
    if let RefreshCarrier::Cookie(_) = carrier {
        check_csrf(&req, &ring, claims.sid)?;
    }
    let client = sessions.policy.client_ids.default_client();
    let pair = sessions
        .rotate(&ring, carrier.token(), &claims, client, now)
        .await?;
    match carrier {
        RefreshCarrier::Body(_) => Ok(no_store(HttpResponse::Ok().json(pair))),
        RefreshCarrier::Cookie(_) => answer_in_cookies(&ring, &pair, claims.sid, now, None),
    }
}
