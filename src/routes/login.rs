//! `POST /auth/login`: email and password for a token pair and a device token.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::browser::{answer_in_cookies, device_cookie, CookieCarrier};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::http::{no_store, ClientIp, JsonObject};
use crate::keys::KeyStore;
use crate::sessions::{LoginAttempt, Sessions};
use crate::tokens::TokenPair;

#[derive(Deserialize)]
pub struct LoginRequest {
    email: String,
    password: String,
    #[serde(default)]
    device_token: Option<String>,
}

#[derive(Serialize)]
struct LoginResponse {
    #[serde(flatten)]
    pair: TokenPair,
    device_token: String,
}

pub async fn login(
    req: HttpRequest,
    (sessions, keys, clock): (
        web::Data<Sessions>,
        web::Data<KeyStore>,
        web::Data<dyn Clock>,
    ),
    cookies: web::Data<CookieCarrier>,
    ClientIp(ip): ClientIp,
    body: JsonObject<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let in_cookies = cookies.wanted_by(&req);
    let device_token = body.device_token.clone().or_else(|| {
        // A browser's device token lives in its HttpOnly cookie.
        in_cookies.then(|| device_cookie(&req)).flatten()
    });
    let attempt = LoginAttempt {
        email: &body.email,
        password: &body.password,
        device_token: device_token.as_deref(),
        ip,
        client: sessions.policy.client_ids.default_client(),
    };
    let (now, ring) = (clock.now(), keys.current());
    let done = sessions.log_in(&ring, attempt, now).await?;
    if in_cookies {
        let device = Some(&done.device);
        return answer_in_cookies(&ring, &done.pair, done.session.sid, now, device);
    }
    let (pair, device_token) = (done.pair, done.device.token);
    Ok(no_store(
        HttpResponse::Ok().json(LoginResponse { pair, device_token }),
    ))
}
