//! CORS for browser clients on other origins (`AUTHD_CORS_ORIGINS`), through actix-cors.
//!
//! Only listed origins get CORS headers; with cookie sessions on, they may send
//! credentials. `*` allows any origin but never with credentials. A request from another
//! origin is not refused by the server (it gets no CORS headers, so the browser keeps the
//! answer from the page): every error stays authd's own JSON.

use actix_cors::Cors;
use actix_web::http::{header, Method};

use crate::settings::Settings;

#[derive(Debug, Clone, Default)]
pub struct CorsPolicy {
    origins: Vec<String>,
    any_origin: bool,
    credentials: bool,
}

impl CorsPolicy {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let mut policy = CorsPolicy {
            credentials: settings.cookies,
            ..Self::default()
        };
        for origin in settings
            .cors_origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            if origin == "*" {
                policy.any_origin = true;
                continue;
            }
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin
                    .trim_end_matches('/')
                    .contains(|c: char| c.is_whitespace())
                && origin.matches('/').count() == 2;
            anyhow::ensure!(
                valid,
                "'{origin}' is not an origin like https://app.example.com"
            );
            policy.origins.push(origin.to_owned());
        }
        // Credentials with a wildcard would let any site act as the user.
        policy.credentials &= !policy.any_origin;
        Ok(policy)
    }

    pub fn middleware(&self) -> Cors {
        let mut cors = Cors::default()
            .allowed_methods([Method::GET, Method::POST])
            .allowed_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static("x-csrf-token"),
                header::HeaderName::from_static("x-auth-transport"),
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
