//! Request-head limits that actix does not offer at our size: 431 for a head over 16 KiB,
//! 413 for a declared body over 16 KiB, and 415 for a compressed body, which is never
//! inflated (a 510 KB gzip bomb is half a gigabyte of zeros). Bodies without a declared
//! length are counted as they arrive by the body extractor and refused past 16 KiB.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use crate::error::ApiError;

pub const MAX_HEAD_BYTES: usize = 16 * 1024;
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub async fn limit_request_size(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if let Some(error) = oversize(&req) {
        let response = error.error_response();
        return Ok(req.into_response(response));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

fn oversize(req: &ServiceRequest) -> Option<ApiError> {
    let line = req.method().as_str().len() + req.uri().to_string().len() + 12;
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if line + headers > MAX_HEAD_BYTES {
        return Some(ApiError::HeadersTooLarge);
    }
    let compressed = req.headers().get_all(CONTENT_ENCODING).any(|value| {
        value.to_str().map_or(true, |v| {
            v.split(',')
                .any(|c| !c.trim().eq_ignore_ascii_case("identity"))
        })
    });
    if compressed {
        return Some(ApiError::CompressedBody);
    }
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    (declared > MAX_BODY_BYTES as u64).then_some(ApiError::PayloadTooLarge)
}
