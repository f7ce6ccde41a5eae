//! `GET /healthz` (the process is alive) and `GET /readyz` (what each store says).
//!
//! `/readyz` stays 200 while a shared store is down: every instance shares it, and taking
//! them all out of the load balancer would also stop access-token checks, which need no
//! store. Alert on `degraded`.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::sessions::Sessions;
use crate::store::StoreError;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Readiness {
    Ready,
    Degraded,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    Ok,
    Down,
}

#[derive(Serialize, ToSchema)]
pub struct Checks {
    database: Check,
    denylist: Check,
    /// Whether this instance's revocation facts were read from the store within the last
    /// few seconds: `down` means a revocation on another instance may not be seen here.
    revocations: Check,
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    status: Readiness,
    checks: Checks,
}

#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The process is alive.", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "What each store says; 200 even when one is down (alert on `degraded`).", body = Ready)))]
pub async fn readyz(sessions: web::Data<Sessions>) -> HttpResponse {
    let (database, denylist) = tokio::join!(
        check(sessions.users.check()),
        check(sessions.denylist.check())
    );
    let revocations = sessions.revocations.is_current();
    let status = if database && denylist && revocations {
        Readiness::Ready
    } else {
        Readiness::Degraded
    };
    let word = |ok: bool| if ok { Check::Ok } else { Check::Down };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Ready {
            status,
            checks: Checks {
                database: word(database),
                denylist: word(denylist),
                revocations: word(revocations),
            },
        })
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
