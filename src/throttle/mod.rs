//! Throttling: per-IP request rates and per-(account, client) failed-login counts.

mod client_ip;
pub mod counters;
mod limits;

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

pub use client_ip::{client_ip, ClientIp};
pub use counters::{CounterStore, MemoryCounters, Window};
pub use limits::{Attempter, Throttle, ACCOUNT_MAX_FAILURES};

use crate::error::ApiError;
use crate::state::AppState;

/// A client within its per-IP request rate. Taking one in a handler's arguments, before
/// the body, counts every request (malformed ones too) against `AUTHD_IP_RATE_LIMIT`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitedClient(pub ClientIp);

impl FromRequest for RateLimitedClient {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ip = ClientIp::from_request(req, payload).into_inner();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let ip = ip?;
            let state = state.ok_or_else(|| ApiError::Internal("no AppState".into()))?;
            state
                .throttle
                .take_request(ip.0, state.clock.now_ms())
                .await?;
            Ok(RateLimitedClient(ip))
        })
    }
}
