//! The route table: one `configure`, used by the server and the tests alike.

mod account;
mod admin;
mod body;

pub(crate) use body::JsonObject;
mod health;
mod jwks;
mod login;
mod me;
mod refresh;
mod register;

use actix_web::error::QueryPayloadError;
use actix_web::http::{header, Method};
use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;
use crate::middleware::MAX_BODY_BYTES;

/// Registers every authd route, the JSON error handlers and the JSON 404/405 answers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(query_config())
        .service(resource(
            "/auth/register",
            Method::POST,
            web::post().to(register::register),
        ))
        .service(resource(
            "/auth/login",
            Method::POST,
            web::post().to(login::login),
        ))
        .service(resource(
            "/auth/refresh",
            Method::POST,
            web::post().to(refresh::refresh),
        ))
        .service(resource(
            "/auth/logout",
            Method::POST,
            web::post().to(refresh::logout),
        ))
        .service(resource(
            "/auth/logout-all",
            Method::POST,
            web::post().to(account::logout_all),
        ))
        .service(resource(
            "/auth/password",
            Method::POST,
            web::post().to(account::change_password),
        ))
        .service(resource("/auth/me", Method::GET, web::get().to(me::me)))
        .service(resource(
            "/admin/users",
            Method::GET,
            web::get().to(admin::list_users),
        ))
        .service(resource(
            "/.well-known/jwks.json",
            Method::GET,
            web::get().to(jwks::jwks),
        ))
        .service(resource(
            "/healthz",
            Method::GET,
            web::get().to(health::healthz),
        ))
        .service(resource(
            "/readyz",
            Method::GET,
            web::get().to(health::readyz),
        ))
        .default_service(web::to(not_found));
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

/// `Cache-Control: no-store` for every answer that carries tokens.
pub(crate) fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
        .headers_mut()
        .insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    response
}

pub(crate) fn rfc3339(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
