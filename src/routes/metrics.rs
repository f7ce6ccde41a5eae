//! The metrics listener's one route, `GET /metrics`: Prometheus text, with the key gauges
//! read at scrape time. Served only on `AUTHD_METRICS_BIND`, never on the public listener.

use actix_web::{web, HttpResponse};

use crate::clock::Clock;
use crate::keys::KeyStore;
use crate::metrics::Metrics;
use crate::sessions::Revocations;
use crate::tokens::AccessTokenVerifier;

/// The content type of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route table of the metrics listener.
pub fn configure_metrics(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

async fn metrics(
    metrics: web::Data<Metrics>,
    (keys, clock): (web::Data<KeyStore>, web::Data<dyn Clock>),
    revocations: Option<web::Data<Revocations>>,
    verifier: Option<web::Data<AccessTokenVerifier>>,
) -> HttpResponse {
    let now = clock.now();
    if let Some(verifier) = verifier {
        metrics.observe_token_cache(verifier.cache().len());
    }
    if let Some(revocations) = revocations {
        metrics.observe_revocations(revocations.set.len(), revocations.is_current());
    }
    let text = metrics.render(&keys.current(), now);
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header(("Cache-Control", "no-store"))
        .body(text)
}
