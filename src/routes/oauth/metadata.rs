//! `GET /.well-known/oauth-authorization-server` (RFC 8414): where the token,
//! revocation and key endpoints are, as absolute URLs under `AUTHD_PUBLIC_URL`.

use actix_web::{web, HttpResponse};
use serde::Serialize;

/// The metadata document, built once at start.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServerMetadata {
    issuer: String,
    token_endpoint: String,
    revocation_endpoint: String,
    jwks_uri: String,
    grant_types_supported: [&'static str; 2],
    token_endpoint_auth_methods_supported: [&'static str; 1],
    revocation_endpoint_auth_methods_supported: [&'static str; 1],
    response_types_supported: [&'static str; 0],
    scopes_supported: [&'static str; 0],
}

impl ServerMetadata {
    /// `issuer` is the tokens' `iss` (`AUTHD_ISSUER`), which RFC 9068 validators compare
    /// with the metadata; `public_url` has no trailing `/`.
    pub fn new(issuer: &str, public_url: &str) -> Self {
        ServerMetadata {
            issuer: issuer.to_owned(),
            token_endpoint: format!("{public_url}/oauth/token"),
            revocation_endpoint: format!("{public_url}/oauth/revoke"),
            jwks_uri: format!("{public_url}/.well-known/jwks.json"),
            grant_types_supported: ["password", "refresh_token"],
            token_endpoint_auth_methods_supported: ["none"],
            revocation_endpoint_auth_methods_supported: ["none"],
            response_types_supported: [],
            scopes_supported: [],
        }
    }
}

#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "RFC 8414 metadata.", body = ServerMetadata)))]
pub async fn metadata(document: web::Data<ServerMetadata>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=3600"))
        .json(document.get_ref())
}
