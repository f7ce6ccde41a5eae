//! `POST /auth/logout`: end the session of a refresh token (body, or the browser's cookie).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::browser::{check_csrf, clear_token_cookies, CookieCarrier, RefreshCarrier};
use crate::clock::Clock;
use crate::error::{ApiError, ErrorBody};
use crate::keys::KeyStore;
use crate::sessions::Sessions;
use crate::tokens::RefreshCheck;

#[utoipa::path(
    post, path = "/auth/logout", tag = "sessions",
    request_body(content = Option<crate::browser::RefreshBody>, description = "`{refresh_token}`; empty for a cookie session."),
    responses(
        (status = 204, description = "The session can no longer refresh (also for an already-revoked or expired token); cookie sessions get their cookies cleared."),
        (status = 400, description = "`invalid_request`: malformed JSON, a missing or mistyped field.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: a body over 16 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not JSON, or compressed.", body = ErrorBody),
        (status = 401, description = "`invalid_grant`: a forged token.", body = ErrorBody),
        (status = 403, description = "`csrf_failed`: a cookie session without the CSRF echo.", body = ErrorBody),
        (status = 503, description = "`unavailable`: the denylist is down.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security((), ("refresh_cookie" = []))
)]
pub async fn logout(
    req: HttpRequest,
    (sessions, keys, clock): (
        web::Data<Sessions>,
        web::Data<KeyStore>,
        web::Data<dyn Clock>,
    ),
    cookies: web::Data<CookieCarrier>,
    carrier: RefreshCarrier,
) -> Result<HttpResponse, ApiError> {
    let (now, ring) = (clock.now(), keys.current());
    // An expired or already-revoked token still logs out: only a forged one is refused.
    let claims =
        sessions.verify_refresh(&ring, carrier.token(), now, RefreshCheck::SignatureOnly)?;
    if let RefreshCarrier::Cookie(_) = carrier {
        check_csrf(&req, &ring, claims.sid)?;
    }
    sessions.log_out(&claims, now).await?;
    let mut response = HttpResponse::NoContent();
    if cookies.enabled {
        clear_token_cookies(&mut response);
    }
    Ok(response.finish())
}
