//! `POST /auth/logout`: end the session of a refresh token (body, or the browser's cookie).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::browser::{check_csrf, clear_token_cookies, CookieCarrier, RefreshCarrier};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::keys::KeyStore;
use crate::sessions::Sessions;
use crate::tokens::RefreshCheck;

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
