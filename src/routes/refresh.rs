//! `POST /auth/refresh`: rotate. The refresh token comes in the body, or for a browser in
//! the `__Host-authd_refresh` cookie; a cookie carrier is answered in cookies.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::browser::{answer_in_cookies, check_csrf, RefreshCarrier};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::http::no_store;
use crate::keys::KeyStore;
use crate::sessions::Sessions;
use crate::tokens::RefreshCheck;

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
