//! A resource server: another actix-web service that protects its routes with authd's
//! `AuthenticatedUser` extractor, verifying access tokens against authd's JWKS over HTTP.
//! It holds no key file; authd's key rotations reach it without a restart.
//!
//! ```text
//! cargo run --example resource_server -- --authd-url http://127.0.0.1:8080 --bind 127.0.0.1:9000
//! curl -H "Authorization: Bearer $ACCESS" http://127.0.0.1:9000/hello
//! ```
//!
//! Routes: `GET /hello` (any valid access token), `GET /admin` (role `admin`), `GET /readyz`
//! (the JWKS status: 200 `ready` or `degraded` while a key set is held, 503 before the first
//! fetch). Its first line on stdout is `resource_server listening on ADDRESS`, so a caller
//! that binds port 0 learns the port. Every flag is also an environment variable.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, web, App, HttpResponse, HttpServer, Responder};
use authd::extractor::{Admin, AuthenticatedUser, RequireRole};
use authd::keys::remote::{RefreshPolicy, RemoteJwks};
use authd::tokens::AccessTokenVerifier;
use clap::Parser;
use serde_json::json;

#[derive(Debug, Parser)]
#[command(about = "A service that verifies authd's access tokens through its JWKS")]
struct Args {
    /// authd's JWKS URL; by default AUTHD_URL + /.well-known/jwks.json.
    #[arg(long, env = "AUTHD_JWKS_URL")]
    jwks_url: Option<String>,
    /// authd's base URL.
    #[arg(long, env = "AUTHD_URL", default_value = "http://127.0.0.1:8080")]
    authd_url: String,
    /// The `iss` tokens must carry (authd's AUTHD_ISSUER).
    #[arg(long, env = "AUTHD_ISSUER", default_value = "authd")]
    issuer: String,
    /// The `aud` tokens must carry (authd's AUTHD_AUDIENCE).
    #[arg(long, env = "AUTHD_AUDIENCE", default_value = "authd")]
    audience: String,
    /// Clock-skew allowance on `exp`, `nbf` and `iat`, seconds.
    #[arg(long, env = "AUTHD_LEEWAY", default_value_t = 30)]
    leeway: i64,
    /// Listen address; port 0 picks a free port (printed on stdout).
    #[arg(long, env = "RESOURCE_BIND", default_value = "127.0.0.1:9000")]
    bind: String,
    /// Seconds: the shortest time between two scheduled JWKS fetches.
    #[arg(long, env = "RESOURCE_JWKS_MIN_REFRESH", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    min_refresh: u64,
    /// Seconds: the longest a fetched JWKS is kept, whatever its max-age.
    #[arg(long, env = "RESOURCE_JWKS_MAX_REFRESH", default_value_t = 3600)]
    max_refresh: u64,
    /// Seconds: tokens with an unknown kid cause at most one JWKS fetch per this interval.
    #[arg(long, env = "RESOURCE_JWKS_UNKNOWN_KID_INTERVAL", default_value_t = 30)]
    unknown_kid_interval: u64,
}

#[get("/hello")]
async fn hello(user: AuthenticatedUser) -> impl Responder {
    web::Json(json!({"hello": user.email(), "id": user.id(), "roles": user.roles()}))
}

#[get("/admin")]
async fn admin(RequireRole(user, ..): RequireRole<Admin>) -> impl Responder {
    web::Json(json!({"admin": user.email()}))
}

/// As authd's own `/readyz`: while a key set is held every token can be checked, so the
/// service stays ready (200) and says `degraded` when authd cannot be reached; only with no
/// key at all is it unavailable.
#[get("/readyz")]
async fn readyz(jwks: web::Data<RemoteJwks>) -> HttpResponse {
    let status = jwks.status();
    let (mut answer, word) = match (status.kids.is_empty(), status.healthy) {
        (true, _) => (HttpResponse::ServiceUnavailable(), "unavailable"),
        (false, true) => (HttpResponse::Ok(), "ready"),
        (false, false) => (HttpResponse::Ok(), "degraded"),
    };
    answer.json(json!({"status": word, "jwks": status}))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    authd::install_crypto_provider();
    let args = Args::parse();
    let url = args.jwks_url.clone().unwrap_or_else(|| {
        format!(
            "{}/.well-known/jwks.json",
            args.authd_url.trim_end_matches('/')
        )
    });
    let policy = RefreshPolicy {
        min_refresh: Duration::from_secs(args.min_refresh),
        max_refresh: Duration::from_secs(args.max_refresh),
        unknown_kid_interval: Duration::from_secs(args.unknown_kid_interval),
        ..RefreshPolicy::default()
    };
    let jwks = RemoteJwks::spawn(&url, policy)?;
    if !jwks.wait_for_keys(Duration::from_secs(5)).await {
        log::warn!("no key set from {url} yet: every token is rejected until one arrives");
    }
    let clock = Arc::new(authd::clock::SystemClock);
    let verifier = web::Data::new(AccessTokenVerifier::new(
        jwks.clone(),
        &args.issuer,
        &args.audience,
        args.leeway,
        clock,
    ));
    let jwks = web::Data::new(jwks);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(verifier.clone())
            .app_data(jwks.clone())
            .service(hello)
            .service(admin)
            .service(readyz)
    })
    .workers(2)
    .bind(&args.bind)?;
    for address in server.addrs() {
        println!("resource_server listening on {address}");
    }
    std::io::stdout().flush()?;
    server.run().await?;
    Ok(())
}
