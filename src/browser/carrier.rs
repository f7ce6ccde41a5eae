//! Where a refresh token comes from: the JSON body, or (the cookie carrier) the
//! `authd_refresh` cookie when the body has none.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use serde::Deserialize;

use super::{CookieCarrier, REFRESH_COOKIE};
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

#[derive(Deserialize)]
struct RefreshBody {
    #[serde(default)]
    refresh_token: Option<String>,
}

impl FromRequest for RefreshCarrier {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let cookie = CookieCarrier::of(req)
            .enabled
            .then(|| req.cookie(REFRESH_COOKIE))
            .flatten()
            .map(|c| c.value().to_owned());
        let no_body = !req.headers().contains_key(CONTENT_TYPE)
            && req
                .headers()
                .get(CONTENT_LENGTH)
                .is_none_or(|len| len.as_bytes() == b"0");
        if let (Some(token), true) = (&cookie, no_body) {
            let token = token.clone();
            return Box::pin(async move { Ok(RefreshCarrier::Cookie(token)) });
        }
        let body = JsonObject::<RefreshBody>::from_request(req, payload);
        Box::pin(async move {
            match (body.await?.into_inner().refresh_token, cookie) {
                (Some(token), _) => Ok(RefreshCarrier::Body(token)),
                (None, Some(token)) => Ok(RefreshCarrier::Cookie(token)),
                (None, None) => Err(ApiError::InvalidRequest("refresh_token is required".into())),
            }
        })
    }
}
