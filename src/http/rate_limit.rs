//! The per-IP request rate (`AUTHD_IP_RATE_LIMIT`) as middleware on the routes it guards
//! (register, login, refresh): every request counts, malformed ones too, before any
//! extractor or handler runs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};

use super::ClientIp;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::throttle::Throttle;

pub async fn limit_client_rate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match take_request(&req).await {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
        Err(err) => {
            let response = err.error_response();
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
