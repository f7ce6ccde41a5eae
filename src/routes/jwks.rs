//! `GET /.well-known/jwks.json`: every public key, for offline verifiers.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::state::AppState;

pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    let ring = state.keys.current();
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={}", state.jwks_max_age),
        ))
        .body(ring.jwks().to_vec())
}
