//! CORS for browser clients on other origins (`AUTHD_CORS_ORIGINS`), through actix-cors.
//!
//! Only listed origins get CORS headers; with the cookie carrier on, they may send
//! credentials. `*` allows any origin but never with credentials. A request from another
//! origin is not refused by the server (it gets no CORS headers, so the browser keeps the
//! answer from the page): every error stays authd's own JSON.

use actix_cors::Cors;
use actix_web::http::{header, Method};

use super::{CSRF_HEADER, TRANSPORT_HEADER};
use crate::settings::BrowserSettings;

#[derive(Debug, Clone, Default)]
pub struct CorsPolicy {
    origins: Vec<String>,
    any_origin: bool,
    credentials: bool,
}

impl CorsPolicy {
    pub fn new(browser: &BrowserSettings) -> Self {
        let allowed = &browser.cors_origins;
        CorsPolicy {
            origins: allowed.origins.clone(),
            any_origin: allowed.any,
            // Credentials with a wildcard would let any site act as the user.
            credentials: browser.cookies && !allowed.any,
        }
    }

    pub fn middleware(&self) -> Cors {
        let mut cors = Cors::default()
            .allowed_methods([Method::GET, Method::POST])
            .allowed_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                CSRF_HEADER,
                TRANSPORT_HEADER,
            ])
            .expose_headers([header::RETRY_AFTER, header::WWW_AUTHENTICATE])
            .max_age(600)
            .block_on_origin_mismatch(false);
        if self.any_origin {
            cors = cors.allow_any_origin().send_wildcard();
        }
        for origin in &self.origins {
            cors = cors.allowed_origin(origin);
        }
        if self.credentials {
            cors = cors.supports_credentials();
        }
        cors
    }
}
