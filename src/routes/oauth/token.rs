//! `POST /oauth/token`: the password grant (RFC 6749 §4.3) and the refresh_token grant
//! (§6), form-encoded, over the same flows as `/auth/login` and `/auth/refresh`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::client::client_of;
use crate::clock::Clock;
use crate::error::OAuthError;
use crate::http::{no_store, ClientIp, Form};
use crate::keys::KeyStore;
use crate::sessions::{LoginAttempt, Sessions};
use crate::tokens::{RefreshCheck, TokenPair};

/// §5.1's answer: the token pair, the device token after a password grant (an extension:
/// sent back as `device_token`, it marks this client as a known device), and `scope`,
/// empty, when the request named one (authd grants no scopes).
#[derive(Serialize)]
struct TokenResponse {
    #[serde(flatten)]
    pair: TokenPair,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
}

pub async fn token(
    req: HttpRequest,
    (sessions, keys, clock): (
        web::Data<Sessions>,
        web::Data<KeyStore>,
        web::Data<dyn Clock>,
    ),
    ClientIp(ip): ClientIp,
    form: Form,
) -> Result<HttpResponse, OAuthError> {
    let client = client_of(&req, &form, &sessions.policy.client_ids)?;
    let (now, ring) = (clock.now(), keys.current());
    let (pair, device_token) = match form.required("grant_type")? {
        "password" => {
            let attempt = LoginAttempt {
                email: form.required("username")?,
                password: form.required("password")?,
                device_token: form.get("device_token"),
                ip,
                client,
            };
            let done = sessions.log_in(&ring, attempt, now).await?;
            (done.pair, Some(done.device.token))
        }
        "refresh_token" => {
            let token = form.required("refresh_token")?;
            let claims = sessions.verify_refresh(&ring, token, now, RefreshCheck::Live)?;
            let pair = sessions.rotate(&ring, token, &claims, client, now).await?;
            (pair, None)
        }
        _ => return Err(OAuthError::UnsupportedGrantType),
    };
    let scope = form.get("scope").map(|_| "");
    Ok(no_store(HttpResponse::Ok().json(TokenResponse {
        pair,
        device_token,
        scope,
    })))
}
