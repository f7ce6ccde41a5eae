//! `GET /auth/me`: who the token says you are, from the token alone.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ErrorBody;
use crate::extractor::AuthenticatedUser;
use crate::http::{no_store, rfc3339};

#[derive(Serialize, ToSchema)]
pub struct Me<'a> {
    id: Uuid,
    email: &'a str,
    roles: &'a [String],
    /// The session: shared by every token of one login.
    sid: Uuid,
    /// When the access token expires, RFC 3339 UTC.
    #[schema(format = DateTime)]
    expires_at: String,
}

#[utoipa::path(
    get, path = "/auth/me", tag = "tokens",
    responses(
        (status = 200, description = "Who the access token says the caller is, from the token alone.", body = Me),
        (status = 401, description = "`invalid_token`: no, or no valid, access token.", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"authd\"`, with `error=\"invalid_token\"` for a bad token."))),
    ),
    security(("bearer" = []), ("access_cookie" = []))
)]
pub async fn me(user: AuthenticatedUser) -> HttpResponse {
    no_store(HttpResponse::Ok().json(Me {
        id: user.id(),
        email: user.email(),
        roles: user.roles(),
        sid: user.session_id(),
        expires_at: rfc3339(user.expires_at()),
    }))
}
