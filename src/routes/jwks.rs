//! `GET /.well-known/jwks.json`: every public key, for offline verifiers; revalidated by
//! `ETag` and `If-None-Match`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::http::none_match;
use crate::keys::KeyStore;

pub async fn jwks(request: HttpRequest, keys: web::Data<KeyStore>) -> HttpResponse {
    let ring = keys.current();
    let cache_control = (
        header::CACHE_CONTROL,
        format!("public, max-age={}", keys.jwks_max_age()),
    );
    let etag = (header::ETAG, ring.etag().to_owned());
    // A 304 carries what the 200 would have for caching (RFC 9110 §15.4.5), so a verifier
    // that revalidates keeps its copy for another max-age.
    if none_match(request.headers(), ring.etag()) {
        return HttpResponse::NotModified()
            .insert_header(cache_control)
            .insert_header(etag)
            .finish();
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(cache_control)
        .insert_header(etag)
        .body(ring.jwks().to_vec())
}
