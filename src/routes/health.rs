//! `GET /healthz` (the process is alive) and `GET /readyz` (what each store says).
//!
//! `/readyz` stays 200 while a shared store is down: every instance shares it, and taking
//! them all out of the load balancer would also stop access-token checks, which need no
//! store. Alert on `degraded`.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::sessions::Sessions;
use crate::store::StoreError;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(sessions: web::Data<Sessions>) -> HttpResponse {
    let (database, denylist) = tokio::join!(
        check(sessions.users.check()),
        check(sessions.denylist.check())
    );
    let status = if database && denylist {
        "ready"
    } else {
        "degraded"
    };
    let word = |ok: bool| if ok { "ok" } else { "down" };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"status": status, "checks": {"database": word(database), "denylist": word(denylist)}}))
}

async fn check(probe: impl std::future::Future<Output = Result<(), StoreError>>) -> bool {
    match tokio::time::timeout(CHECK_TIMEOUT, probe).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            log::warn!("readiness check failed: {err}");
            false
        }
        Err(_) => false,
    }
}
