//! What every HTTP layer shares, below the handlers: the JSON body extractor, request-size
//! and per-IP-rate middleware, CORS, the client address, `If-None-Match`, header names and
//! response helpers.

mod access_log;
mod body;
mod client_ip;
mod conditional;
mod cors;
mod form;
mod limits;
mod rate_limit;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::HttpResponse;

pub use access_log::{log_request, Caller};
pub use body::JsonObject;
pub use client_ip::ClientIp;
pub use conditional::none_match;
pub use cors::CorsPolicy;
pub use form::Form;
pub use limits::{limit_request_size, MAX_BODY_BYTES, MAX_HEAD_BYTES};
pub use rate_limit::{limit_client_rate, limit_client_rate_oauth};

/// `X-CSRF-Token`: the echo of the CSRF cookie on cookie-authenticated unsafe requests.
pub const CSRF_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");
/// `X-Auth-Transport: cookie`: a login that asks for the cookie carrier.
pub const TRANSPORT_HEADER: HeaderName = HeaderName::from_static("x-auth-transport");
/// `X-Forwarded-For`, believed only from trusted proxies.
pub const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// `Cache-Control: no-store` (and `Pragma: no-cache`) for every answer that carries tokens.
pub fn no_store(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Times in bodies: RFC 3339, UTC, whole seconds.
pub fn rfc3339(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
