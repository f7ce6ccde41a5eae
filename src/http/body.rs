//! `JsonObject<T>`: a request body that must be a JSON object of type `T`.
//!
//! actix's `web::Json` would do, but serde's derived structs also accept a JSON array in
//! field order (`["a@b.c", "pw"]`), which is not the documented request. This extractor
//! checks the content type (415), the size (413), that the body is an object (400), then
//! decodes it strictly: duplicate or mistyped fields are 400, unknown ones ignored.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// `application/json` or `application/<anything>+json`, in any case, with or without
/// parameters (`; charset=utf-8`, spaces allowed around the `;`).
fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !is_json(req) {
            return Box::pin(async { Err(ApiError::UnsupportedMediaType) });
        }
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes
                .await
                .map_err(|err| match err.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => ApiError::PayloadTooLarge,
                    _ => ApiError::InvalidRequest("the request body could not be read".into()),
                })?;
            let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
            if first != Some(&b'{') {
                return Err(ApiError::InvalidRequest(
                    "the request body must be a JSON object".into(),
                ));
            }
            serde_json::from_slice(&bytes)
                .map(JsonObject)
                .map_err(|e| ApiError::InvalidRequest(format!("invalid JSON body: {e}")))
        })
    }
}
