//! Where a refresh token comes from: the JSON body, or (the cookie carrier) the
//! `__Host-authd_refresh` cookie when the body has none. Two such cookies are 401
//! `invalid_token` (an ambiguous credential, not a bad grant), never resolved by order.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use serde::Deserialize;

use super::{only_cookie, CookieCarrier, REFRESH_COOKIE};
use crate::error::ApiError;
use crate::http::JsonObject;

#[derive(Clone)]
pub enum RefreshCarrier {
    Body(String),
    /// From the cookie: the answer goes back in cookies, and CSRF must be checked.
    Cookie(String),
}

/// The token is a credential: `{:?}` names the carrier only.
impl std::fmt::Debug for RefreshCarrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefreshCarrier::Body(_) => f.write_str("Body([redacted])"),
            RefreshCarrier::Cookie(_) => f.write_str("Cookie([redacted])"),
        }
    }
}

impl RefreshCarrier {
    pub fn token(&self) -> &str {
        match self {
            RefreshCarrier::Body(token) | RefreshCarrier::Cookie(token) => token,
        }
    }
}

/// The body of `/auth/refresh` and `/auth/logout`: the refresh token, or for a cookie
/// session nothing (the `__Host-authd_refresh` cookie carries it).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshBody {
    /// Empty or absent: the refresh cookie (cookie sessions only).
    #[serde(default)]
    #[schema(min_length = 1)]
    refresh_token: Option<String>,
}

impl FromRequest for RefreshCarrier {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Read only when the carrier is on; whether an ambiguous cookie matters depends on
        // the body, which decides below.
        let cookie = if CookieCarrier::enabled_for(req) {
            only_cookie(req, REFRESH_COOKIE).map_err(|_| ApiError::InvalidToken)
        } else {
            Ok(None)
        };
        let no_body = !req.headers().contains_key(CONTENT_TYPE)
            && req
                .headers()
                .get(CONTENT_LENGTH)
                .is_none_or(|len| len.as_bytes() == b"0");
        if no_body && !matches!(cookie, Ok(None)) {
            return Box::pin(std::future::ready(choose(None, cookie)));
        }
        let body = JsonObject::<RefreshBody>::from_request(req, payload);
        Box::pin(async move { choose(body.await?.into_inner().refresh_token, cookie) })
    }
}

/// The body's token wins; without one, the refresh cookie (when there is exactly one).
fn choose(
    body: Option<String>,
    cookie: Result<Option<String>, ApiError>,
) -> Result<RefreshCarrier, ApiError> {
    if let Some(token) = body {
        return Ok(RefreshCarrier::Body(token));
    }
    match cookie? {
        Some(token) => Ok(RefreshCarrier::Cookie(token)),
        None => Err(ApiError::InvalidRequest("refresh_token is required".into())),
    }
}
