//! The access log: one line per request with the method, the route *template* (never the
//! path as sent, which may hold anything, nor the query string), the status, the latency,
//! the client IP and, once the extractor has authenticated the caller, the user id. No
//! header, cookie, body or token is ever part of it. The same facts feed the request
//! metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};
use uuid::Uuid;

use super::ClientIp;
use crate::metrics::Metrics;

/// The authenticated caller of a request, left in its extensions by the extractor.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Uuid);

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let ip = ClientIp::of(req.request()).map_or_else(|_| "-".to_owned(), |ip| ip.0.to_string());
    let response = next.call(req).await?;
    let request = response.request();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    let user = request
        .extensions()
        .get::<Caller>()
        .map(|caller| caller.0.to_string());
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(metrics) = request.app_data::<web::Data<Metrics>>() {
        metrics.observe_request(method.as_str(), &route, status, elapsed.as_secs_f64());
    }
    let latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let shown_user = user
        .as_deref()
        .map(|id| format!(" user={id}"))
        .unwrap_or_default();
    log::info!(
        target: "authd::access",
        method = method.as_str(),
        route = route.as_str(),
        status = status,
        latency_ms = latency_us as f64 / 1000.0,
        client_ip = ip.as_str(),
        user_id = user.as_deref().unwrap_or("");
        "{ip} \"{method} {route}\" {status} {:.1}ms{shown_user}",
        latency_us as f64 / 1000.0
    );
    Ok(response)
}
