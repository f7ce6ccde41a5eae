//! `POST /oauth/token`: the password grant (RFC 6749 §4.3) and the refresh_token grant
//! (§6), form-encoded, over the same flows as `/auth/login` and `/auth/refresh`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::client::client_of;
use crate::clock::Clock;
use crate::error::{OAuthError, OAuthErrorBody};
use crate::http::{no_store, ClientIp, Form};
use crate::keys::KeyStore;
use crate::sessions::{LoginAttempt, Sessions};
use crate::tokens::{RefreshCheck, TokenPair};

/// §5.1's answer: the token pair, the device token after a password grant (an extension:
/// sent back as `device_token`, it marks this client as a known device), and `scope`,
/// empty, when the request named one (authd grants no scopes).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    #[serde(flatten)]
    pair: TokenPair,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
}

// The form of each grant, for the document (the handler reads the form itself). An empty
// parameter counts as absent (RFC 6749 §3.1), hence the minimum lengths.

/// RFC 6749 §4.3.2: the resource owner password credentials grant.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PasswordGrant {
    grant_type: PasswordGrantType,
    /// The email.
    #[schema(min_length = 1, example = "alice@example.com")]
    username: String,
    #[schema(min_length = 1, example = "correct horse battery staple")]
    password: String,
    /// One of `AUTHD_CLIENT_IDS` (or HTTP Basic with an empty password); default the first.
    client_id: Option<String>,
    /// Ignored; echoed as `""`.
    scope: Option<String>,
    /// The `device_token` of an earlier login of this account.
    device_token: Option<String>,
}

/// RFC 6749 §6: refreshing.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RefreshGrant {
    grant_type: RefreshGrantType,
    #[schema(min_length = 1)]
    refresh_token: String,
    client_id: Option<String>,
    scope: Option<String>,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PasswordGrantType {
    Password,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefreshGrantType {
    RefreshToken,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum TokenForm {
    Password(PasswordGrant),
    Refresh(RefreshGrant),
}

#[utoipa::path(
    post, path = "/oauth/token", tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The token pair (§5.1).", body = TokenResponse, headers(
            ("Cache-Control" = String, description = "`no-store`"),
            ("Pragma" = String, description = "`no-cache`"),
        )),
        (status = 400, description = "`invalid_request` (a missing or repeated parameter, not a form), `invalid_grant` (wrong password, unknown user, bad/expired/replayed/revoked refresh token), `unsupported_grant_type`.", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`: a client id not in `AUTHD_CLIENT_IDS`, or a client secret.", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"authd\"` when Basic was used."))),
        (status = 413, description = "`invalid_request`: a body over 16 KiB.", body = OAuthErrorBody),
        (status = 429, description = "`rate_limited`: the login limits or the per-IP rate.", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "`temporarily_unavailable`: a store is down or the hashing pool is full.", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security((), ("client_basic" = []))
)]
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
