//! The `ClientIp` extractor: the peer address, or behind a trusted proxy the client it
//! forwarded for (see [`crate::throttle::client_ip`]).

use std::future::{ready, Ready};
use std::net::IpAddr;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use super::FORWARDED_FOR;
use crate::error::ApiError;
use crate::settings::TrustedProxies;
use crate::throttle::client_ip;

/// The address requests are counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// Resolves the client of `req` with the `TrustedProxies` in its app data (none: the
    /// peer is the client).
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let peer = req
            .peer_addr()
            .map(|addr| addr.ip())
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("request without a peer address")))?;
        let Some(trusted) = req.app_data::<web::Data<TrustedProxies>>() else {
            return Ok(ClientIp(peer));
        };
        let values = req
            .headers()
            .get_all(FORWARDED_FOR)
            .filter_map(|value| value.to_str().ok());
        Ok(ClientIp(client_ip(peer, values, trusted)))
    }
}

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req))
    }
}
