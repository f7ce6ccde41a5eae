//! `GET /.well-known/jwks.json`: every public key, for offline verifiers.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::keys::KeyStore;

pub async fn jwks(keys: web::Data<KeyStore>) -> HttpResponse {
    let ring = keys.current();
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={}", keys.jwks_max_age()),
        ))
        .body(ring.jwks().to_vec())
}
