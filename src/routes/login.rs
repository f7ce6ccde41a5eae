//! `POST /auth/login`: email and password for a token pair and a device token.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::browser::{answer_in_cookies, device_cookie, CookieCarrier, CookieSession};
use crate::clock::Clock;
use crate::error::{ApiError, ErrorBody};
use crate::http::{no_store, ClientIp, JsonObject};
use crate::keys::KeyStore;
use crate::sessions::{LoginAttempt, Sessions};
use crate::tokens::TokenPair;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "alice@example.com")]
    email: String,
    #[schema(example = "correct horse battery staple")]
    password: String,
    /// The `device_token` of an earlier login of this account: counts this client as a
    /// known device for the login limits.
    #[serde(default)]
    device_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    #[serde(flatten)]
    pair: TokenPair,
    /// Send it back at the next login (`device_token`).
    device_token: String,
}

#[utoipa::path(
    post, path = "/auth/login", tag = "sessions",
    request_body = LoginRequest,
    params(("X-Auth-Transport" = Option<String>, Header,
        description = "`cookie` (with `AUTHD_COOKIES=on`): answer in HttpOnly cookies instead of the body.")),
    responses(
        (status = 200, description = "A token pair and a device token; for a cookie session only the lifetimes (the tokens are in `Set-Cookie`).",
            content((LoginResponse = "application/json"), (CookieSession = "application/json")),
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`invalid_request`: malformed JSON, a missing or mistyped field.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: a body over 16 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not JSON, or compressed.", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`: the same answer for an unknown email and a wrong password.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many failed logins for this account and client, or the per-IP rate.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "`unavailable`: a store is down or the hashing pool is full.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
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
