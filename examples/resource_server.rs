//! A resource server: another actix-web service that protects its routes with authd's
//! `AuthenticatedUser` extractor, verifying access tokens against authd's JWKS over HTTP.
//! It holds no key file; authd's key rotations reach it without a restart. Given the feed's
//! secret (`AUTHD_REVOCATIONS_TOKEN`), it also follows authd's revocation feed, so a logout
//! ends the session's access tokens here too, within milliseconds.
//!
//! ```text
//! AUTHD_REVOCATIONS_TOKEN=… cargo run --example resource_server -- \
//!     --authd-url http://127.0.0.1:8080 --bind 127.0.0.1:9000
//! curl -H "Authorization: Bearer $ACCESS" http://127.0.0.1:9000/hello
//! ```
//!
//! Routes: `GET /hello` (any valid access token), `GET /admin` (role `admin`), `GET /readyz`
//! (200 `ready`, or `degraded` while authd or its feed cannot be reached but tokens can
//! still be checked; 503 before the first key set, or while the feed is lost under
//! `--revocations-stale refuse`), `GET /metrics` (the feed's and the token cache's metrics,
//! Prometheus text). Its first line on stdout is `resource_server listening on ADDRESS`, so
//! a caller that binds port 0 learns the port. Every flag is also an environment variable.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, web, App, HttpResponse, HttpServer, Responder};
use authd::extractor::{Admin, AuthenticatedUser, RequireRole};
use authd::keys::remote::{RefreshPolicy, RemoteJwks};
use authd::revocation::{FeedPolicy, RemoteRevocations};
use authd::settings::Secret;
use authd::tokens::{AccessTokenVerifier, CacheCounters, StalePolicy, TokenCache};
use clap::{Parser, ValueEnum};
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
    /// authd's revocation feed secret; unset: the feed is not followed, and a logged-out
    /// session's access tokens are accepted here until they expire.
    #[arg(long, env = "AUTHD_REVOCATIONS_TOKEN", hide_env_values = true)]
    revocations_token: Option<Secret>,
    /// The feed's URL; by default AUTHD_URL + /auth/revocations.
    #[arg(long, env = "AUTHD_REVOCATIONS_URL")]
    revocations_url: Option<String>,
    /// What to do with tokens while the feed is lost: `verify` them as a plain JWT
    /// verifier would, or `refuse` every one until it is back.
    #[arg(long, env = "RESOURCE_REVOCATIONS_STALE", value_enum, default_value_t = WhenStale::Verify)]
    revocations_stale: WhenStale,
    /// Seconds the feed may be gone (a reconnect) before it counts as lost.
    #[arg(long, env = "RESOURCE_REVOCATIONS_GRACE", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    revocations_grace: u64,
    /// Verified tokens kept in memory (a repeated token skips its signature check);
    /// 0 turns the cache off.
    #[arg(long, env = "RESOURCE_TOKEN_CACHE", default_value_t = 10_000)]
    token_cache: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WhenStale {
    Verify,
    Refuse,
}

/// What `/readyz` and `/metrics` report on.
struct Health {
    jwks: RemoteJwks,
    feed: Option<(RemoteRevocations, WhenStale)>,
    registry: prometheus::Registry,
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
/// service stays ready (200) and says `degraded` when authd or its feed cannot be reached.
/// It is unavailable with no key at all, or with a lost feed when it refuses on one.
#[get("/readyz")]
async fn readyz(health: web::Data<Health>) -> HttpResponse {
    let jwks = health.jwks.status();
    let feed = health
        .feed
        .as_ref()
        .map(|(feed, when)| (feed.status(), *when));
    let feed_lost = feed.as_ref().is_some_and(|(status, _)| !status.current);
    let refusing = feed_lost
        && feed
            .as_ref()
            .is_some_and(|(_, when)| *when == WhenStale::Refuse);
    let (mut answer, word) = if jwks.kids.is_empty() || refusing {
        (HttpResponse::ServiceUnavailable(), "unavailable")
    } else if !jwks.healthy || feed_lost {
        (HttpResponse::Ok(), "degraded")
    } else {
        (HttpResponse::Ok(), "ready")
    };
    let revocations = feed.map(|(status, _)| status);
    answer.json(json!({"status": word, "jwks": jwks, "revocations": revocations}))
}

#[get("/metrics")]
async fn metrics(health: web::Data<Health>) -> HttpResponse {
    match prometheus::TextEncoder::new().encode_to_string(&health.registry.gather()) {
        Ok(text) => HttpResponse::Ok()
            .content_type(prometheus::TEXT_FORMAT)
            .body(text),
        Err(err) => {
            log::error!("encoding metrics: {err}");
            HttpResponse::InternalServerError().finish()
        }
    }
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
    let registry = prometheus::Registry::new();
    let counters = CacheCounters {
        hits: prometheus::IntCounter::new(
            "resource_token_cache_hits_total",
            "Tokens found verified",
        )?,
        misses: prometheus::IntCounter::new(
            "resource_token_cache_misses_total",
            "Tokens verified in full",
        )?,
    };
    registry.register(Box::new(counters.hits.clone()))?;
    registry.register(Box::new(counters.misses.clone()))?;
    // No token is kept past the longest access-token lifetime authd allows.
    let cache = TokenCache::new(args.token_cache, Duration::from_secs(3600), counters);
    let mut verifier = AccessTokenVerifier::new(
        jwks.clone(),
        &args.issuer,
        &args.audience,
        args.leeway,
        Arc::new(authd::clock::SystemClock),
    )
    .with_cache(cache);
    let feed = match args.revocations_token.clone() {
        Some(token) => Some(follow_revocations(&args, token, &registry).await?),
        None => {
            log::warn!("AUTHD_REVOCATIONS_TOKEN unset: a logged-out session's access tokens are accepted until they expire");
            None
        }
    };
    if let Some(feed) = &feed {
        let when_stale = match args.revocations_stale {
            WhenStale::Verify => StalePolicy::KeepVerifying,
            WhenStale::Refuse => StalePolicy::Refuse,
        };
        verifier = verifier.with_revocations(feed.set(), when_stale);
    }
    let verifier = web::Data::new(verifier);
    let health = web::Data::new(Health {
        jwks,
        feed: feed.map(|feed| (feed, args.revocations_stale)),
        registry,
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(verifier.clone())
            .app_data(health.clone())
            .service(hello)
            .service(admin)
            .service(readyz)
            .service(metrics)
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

/// Follows authd's revocation feed; waits a little for its snapshot, as for the keys.
async fn follow_revocations(
    args: &Args,
    token: Secret,
    registry: &prometheus::Registry,
) -> anyhow::Result<RemoteRevocations> {
    let url = args
        .revocations_url
        .clone()
        .unwrap_or_else(|| format!("{}/auth/revocations", args.authd_url.trim_end_matches('/')));
    let policy = FeedPolicy {
        stale_after: Duration::from_secs(args.revocations_grace),
        ..FeedPolicy::default()
    };
    let feed = RemoteRevocations::spawn(&url, token, policy)?;
    feed.register(registry)?;
    if !feed.wait_until_current(Duration::from_secs(5)).await {
        log::warn!(
            "no revocation snapshot from {url} yet: {:?}",
            feed.status().last_error
        );
    }
    Ok(feed)
}
