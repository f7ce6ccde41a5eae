//! `GET /auth/verify`: forward auth (nginx `auth_request`, Traefik ForwardAuth, Envoy
//! ext_authz). 200 with who the caller is in `X-Auth-*` headers, or the protected-route 401.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::HttpResponse;

use crate::error::{ApiError, ErrorBody};
use crate::extractor::AuthenticatedUser;
use crate::http::no_store;

const USER_ID: HeaderName = HeaderName::from_static("x-auth-user-id");
const EMAIL: HeaderName = HeaderName::from_static("x-auth-email");
const ROLES: HeaderName = HeaderName::from_static("x-auth-roles");
const SESSION_ID: HeaderName = HeaderName::from_static("x-auth-session-id");
const CLIENT_ID: HeaderName = HeaderName::from_static("x-auth-client-id");

#[utoipa::path(
    get, path = "/auth/verify", tag = "tokens",
    responses(
        (status = 200, description = "A valid access token; who it names is in the headers, the body is empty.",
            headers(
                ("X-Auth-User-Id" = String, description = "`sub`"),
                ("X-Auth-Email" = String, description = "`email`"),
                ("X-Auth-Roles" = String, description = "`roles`, comma-separated; empty for none"),
                ("X-Auth-Session-Id" = String, description = "`sid`"),
                ("X-Auth-Client-Id" = String, description = "`client_id`"),
            )),
        (status = 401, description = "`invalid_token`: no, or no valid, access token.", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"authd\"`, with `error=\"invalid_token\"` for a bad token."))),
    ),
    security(("bearer" = []), ("access_cookie" = []))
)]
pub async fn verify(user: AuthenticatedUser) -> Result<HttpResponse, ApiError> {
    let mut response = no_store(HttpResponse::Ok().finish());
    let headers = response.headers_mut();
    headers.insert(USER_ID, value(&user.id().to_string())?);
    // A Unicode email goes out as its UTF-8 bytes (RFC 9110 obs-text), as nginx passes them.
    headers.insert(EMAIL, value(user.email())?);
    headers.insert(ROLES, value(&user.roles().join(","))?);
    headers.insert(SESSION_ID, value(&user.session_id().to_string())?);
    headers.insert(CLIENT_ID, value(user.client_id())?);
    Ok(response)
}

/// Every value comes from a token authd signed over parsed, control-free fields, so this
/// cannot fail for a token authd issued; a key shared with another issuer could still try.
fn value(text: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_bytes(text.as_bytes()).map_err(|_| ApiError::InvalidToken)
}
