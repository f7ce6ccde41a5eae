//! The per-IP request rate (`AUTHD_IP_RATE_LIMIT`) as middleware on the routes it guards
//! (register, login, refresh): every request counts, malformed ones too, before any
//! extractor or handler runs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse, ResponseError};

use super::ClientIp;
use crate::clock::Clock;
use crate::error::{ApiError, OAuthError};
use crate::throttle::Throttle;

pub async fn limit_client_rate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    limit(req, next, |err| err.error_response()).await
}

/// The same limit for the OAuth 2.0 endpoints, answered in RFC 6749 §5.2's shape.
pub async fn limit_client_rate_oauth(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    limit(req, next, |err| OAuthError::from(err).error_response()).await
}

async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    answer: fn(ApiError) -> HttpResponse,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match take_request(&req).await {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
        Err(err) => {
            let response = answer(err);
            Ok(req.into_response(response))
        }
    }
}

async fn take_request(req: &ServiceRequest) -> Result<(), ApiError> {
    let (Some(throttle), Some(clock)) = (
        req.app_data::<web::Data<Throttle>>(),
        req.app_data::<web::Data<dyn Clock>>(),
    ) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "the rate limit needs Throttle and Clock in app data"
        )));
    };
    let ClientIp(ip) = ClientIp::of(req.request())?;
    throttle.take_request(ip, clock.now_ms()).await?;
    Ok(())
}
