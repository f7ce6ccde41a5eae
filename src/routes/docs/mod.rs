//! `GET /openapi.json` (OpenAPI 3.1, generated from the handlers' `#[utoipa::path]`
//! annotations and the types they answer with) and `GET /docs`, a page that renders it
//! with assets built into the binary: no network access needed.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    account, admin, health, jwks, login, logout, me, oauth, refresh, register, revocations, verify,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "authd",
        description = "A stateless JWT bearer-token authentication server. Errors are \
            `{error, message}` (the OAuth 2.0 endpoints: RFC 6749 §5.2 `{error, error_description}`). \
            Every GET route also answers HEAD.",
    ),
    paths(
        register::register,
        login::login,
        refresh::refresh,
        logout::logout,
        account::logout_all,
        account::change_password,
        me::me,
        verify::verify,
        revocations::revocations,
        admin::list_users,
        jwks::jwks,
        oauth::token::token,
        oauth::revoke::revoke,
        oauth::metadata::metadata,
        health::healthz,
        health::readyz,
        openapi_json,
        docs,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "accounts", description = "Sign up, change the password, end every session, list users."),
        (name = "sessions", description = "Log in, refresh (rotating), log out: the JSON endpoints."),
        (name = "tokens", description = "What a valid access token says."),
        (name = "oauth", description = "The OAuth 2.0 surface for standard client libraries."),
        (name = "keys", description = "Public keys for offline verifiers."),
        (name = "health", description = "Liveness and readiness."),
        (name = "docs", description = "This document."),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "An access token: `Authorization: Bearer <access_token>`.",
            ))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let cookie = |name: &str, what: &str| {
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                name.to_owned(),
                format!("{what} (`AUTHD_COOKIES=on`, a login with `X-Auth-Transport: cookie`). Unsafe methods also need `X-CSRF-Token` = the `__Host-authd_csrf` cookie."),
            )))
        };
        components.add_security_scheme(
            "access_cookie",
            cookie(
                "__Host-authd_access",
                "The access token of a cookie session",
            ),
        );
        components.add_security_scheme(
            "refresh_cookie",
            cookie(
                "__Host-authd_refresh",
                "The refresh token of a cookie session",
            ),
        );
        let basic = HttpBuilder::new()
            .scheme(HttpAuthScheme::Basic)
            .description(Some("A client id as the user name, with an empty password (RFC 6749 §2.3.1; every client is public)."))
            .build();
        components.add_security_scheme("client_basic", SecurityScheme::Http(basic));
        let feed = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "The shared secret `AUTHD_REVOCATIONS_TOKEN`, for other services.",
            ))
            .build();
        components.add_security_scheme("revocations_token", SecurityScheme::Http(feed));
    }
}

/// The document, rendered once.
pub struct OpenApiDocument(String);

impl OpenApiDocument {
    pub fn new() -> Self {
        // Serializing a derived document of plain strings and maps cannot fail.
        OpenApiDocument(ApiDoc::openapi().to_pretty_json().unwrap_or_default())
    }
}

impl Default for OpenApiDocument {
    fn default() -> Self {
        Self::new()
    }
}

/// The page and its script, one file built into the binary.
const DOCS_HTML: &str = include_str!("docs.html");

#[utoipa::path(get, path = "/openapi.json", tag = "docs",
    responses((status = 200, description = "This document (OpenAPI 3.1).", content_type = "application/json")))]
pub async fn openapi_json(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(document.0.clone())
}

#[utoipa::path(get, path = "/docs", tag = "docs",
    responses((status = 200, description = "A page that renders this document; it loads nothing from the network.", content_type = "text/html")))]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            // The page's own inline script and style; it fetches /openapi.json and nothing else.
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ))
        .body(DOCS_HTML)
}

#[cfg(test)]
mod tests;
