//! The route table: one `configure`, used by the server and the tests alike.

mod account;
mod admin;
mod docs;
mod health;
mod jwks;
mod login;
mod logout;
mod me;
mod metrics;
mod oauth;
mod refresh;
mod register;
mod revocations;
mod verify;

use actix_web::error::QueryPayloadError;
use actix_web::http::{header, Method};
use actix_web::middleware::from_fn;
use actix_web::{guard, web, HttpResponse, ResponseError, Route};

use crate::error::ApiError;
use crate::http::{limit_client_rate, limit_client_rate_oauth, MAX_BODY_BYTES};
pub use docs::{ApiDoc, OpenApiDocument};
pub use metrics::{configure_metrics, CONTENT_TYPE as METRICS_CONTENT_TYPE};
pub use oauth::ServerMetadata;
pub use revocations::RevocationFeed;

/// Registers every authd route, the JSON error handlers and the JSON 404/405 answers.
/// Register, login, refresh and the OAuth token endpoint count against the per-IP request
/// rate; every GET route answers HEAD too.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(query_config());
    for (path, method, route) in table() {
        cfg.service(resource(path, method, route));
    }
    cfg.default_service(web::to(not_found));
}

/// Every route's path and method, for the test that holds the OpenAPI document to them.
pub fn routes() -> Vec<(&'static str, Method)> {
    table()
        .into_iter()
        .map(|(path, method, _)| (path, method))
        .collect()
}

/// The one route table.
fn table() -> Vec<(&'static str, Method, Route)> {
    let rated = |route: Route| route.wrap(from_fn(limit_client_rate));
    let rated_oauth = |route: Route| route.wrap(from_fn(limit_client_rate_oauth));
    vec![
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
        ("/auth/me", Method::GET, get().to(me::me)),
        ("/auth/verify", Method::GET, get().to(verify::verify)),
        (
            "/auth/revocations",
            Method::GET,
            get().to(revocations::revocations),
        ),
        ("/admin/users", Method::GET, get().to(admin::list_users)),
        ("/.well-known/jwks.json", Method::GET, get().to(jwks::jwks)),
        (
            "/oauth/token",
            Method::POST,
            rated_oauth(web::post().to(oauth::token)),
        ),
        ("/oauth/revoke", Method::POST, web::post().to(oauth::revoke)),
        (
            "/.well-known/oauth-authorization-server",
            Method::GET,
            get().to(oauth::metadata),
        ),
        ("/healthz", Method::GET, get().to(health::healthz)),
        ("/readyz", Method::GET, get().to(health::readyz)),
        ("/openapi.json", Method::GET, get().to(docs::openapi_json)),
        ("/docs", Method::GET, get().to(docs::docs)),
    ]
}

/// A GET route that answers HEAD as well (RFC 9110 §9.3.2): the handler runs as for GET
/// and actix-web sends its headers, `Content-Length` included, without the body.
fn get() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

fn resource(path: &str, method: Method, route: Route) -> actix_web::Resource {
    let allow = if method == Method::GET {
        header::HeaderValue::from_static("GET, HEAD")
    } else {
        // A method's name is a token, always a valid header value.
        header::HeaderValue::from_str(method.as_str())
            .unwrap_or(header::HeaderValue::from_static(""))
    };
    web::resource(path)
        .route(route)
        .default_service(web::to(move || {
            let mut response = ApiError::MethodNotAllowed.error_response();
            response.headers_mut().insert(header::ALLOW, allow.clone());
            std::future::ready(response)
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
