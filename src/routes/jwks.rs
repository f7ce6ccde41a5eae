//! `GET /.well-known/jwks.json`: every public key, for offline verifiers; revalidated by
//! `ETag` and `If-None-Match`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::http::none_match;
use crate::keys::KeyStore;

/// RFC 7517's key set. (The document is built once per key-folder read, in `keys`; this
/// type describes it.)
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

/// One public key: `kty` `OKP` (`crv`, `x`), `EC` (`crv`, `x`, `y`) or `RSA` (`n`, `e`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Jwk {
    #[schema(example = "EC")]
    kty: String,
    #[schema(example = "20261126T142300Z-es256")]
    kid: String,
    #[schema(example = "ES256")]
    alg: String,
    #[schema(example = "sig", rename = "use")]
    use_: String,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "keys",
    params(("If-None-Match" = Option<String>, Header, description = "An `ETag` of an earlier answer.")),
    responses(
        (status = 200, description = "Every public key.", body = Jwks, headers(
            ("Cache-Control" = String, description = "`public, max-age=AUTHD_JWKS_MAX_AGE`"),
            ("ETag" = String, description = "Changes with the key set."),
        )),
        (status = 304, description = "The key set has not changed since that `ETag`."),
    )
)]
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
