//! The route table: one `configure`, used by the server and the tests alike.

mod account;
mod admin;
mod health;
mod jwks;
mod login;
mod logout;
mod me;
mod refresh;
mod register;

use actix_web::error::QueryPayloadError;
use actix_web::http::{header, Method};
use actix_web::middleware::from_fn;
use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;
use crate::http::{limit_client_rate, MAX_BODY_BYTES};

/// Registers every authd route, the JSON error handlers and the JSON 404/405 answers.
/// Register, login and refresh count against the per-IP request rate.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let rated = |route: actix_web::Route| route.wrap(from_fn(limit_client_rate));
    let table = [
        (
            "/auth/register",
            Method::POST,
            rated(web::post().to(register::register)),
        ),
        (
            "/auth/login",
            Method::POST,
            rated(web::post().to(login::login)),
        ),
        (
            "/auth/refresh",
            Method::POST,
            rated(web::post().to(refresh::refresh)),
        ),
        ("/auth/logout", Method::POST, web::post().to(logout::logout)),
        (
            "/auth/logout-all",
            Method::POST,
            web::post().to(account::logout_all),
        ),
        (
            "/auth/password",
            Method::POST,
            web::post().to(account::change_password),
        ),
        ("/auth/me", Method::GET, web::get().to(me::me)),
        (
            "/admin/users",
            Method::GET,
            web::get().to(admin::list_users),
        ),
        (
            "/.well-known/jwks.json",
            Method::GET,
            web::get().to(jwks::jwks),
        ),
        ("/healthz", Method::GET, web::get().to(health::healthz)),
        ("/readyz", Method::GET, web::get().to(health::readyz)),
    ];
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(query_config());
    for (path, method, route) in table {
        cfg.service(resource(path, method, route));
    }
    cfg.default_service(web::to(not_found));
}

fn resource(path: &str, method: Method, route: actix_web::Route) -> actix_web::Resource {
    web::resource(path)
        .route(route)
        .default_service(web::to(move || {
            let allow = method.to_string();
            async move {
                let mut response = ApiError::MethodNotAllowed.error_response();
                if let Ok(value) = header::HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
                response
            }
        }))
}

async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let message = match &err {
            QueryPayloadError::Deserialize(cause) => format!("invalid query string: {cause}"),
            _ => "invalid query string".to_owned(),
        };
        ApiError::InvalidRequest(message).into()
    })
}
