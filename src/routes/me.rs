//! `GET /auth/me`: who the token says you are, from the token alone.

use actix_web::HttpResponse;
use serde_json::json;

use crate::extractor::AuthenticatedUser;
use crate::http::{no_store, rfc3339};

pub async fn me(user: AuthenticatedUser) -> HttpResponse {
    no_store(HttpResponse::Ok().json(json!({
        "id": user.id(),
        "email": user.email(),
        "roles": user.roles(),
        "sid": user.session_id(),
        "expires_at": rfc3339(user.expires_at()),
    })))
}
