//! `Application`: builds the stores, keys and server from `Settings`, binds (port 0 works,
//! for tests), and runs until stopped.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Logger};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::clock::{SharedClock, SystemClock};
use crate::cors::CorsPolicy;
use crate::domain::PasswordPolicy;
use crate::hashing::PasswordHasher;
use crate::keys::KeyStore;
use crate::middleware::limit_request_size;
use crate::routes::configure;
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::connect_stores;
use crate::throttle::Throttle;
use crate::tokens::{AccessTokenVerifier, TokenPolicy};

/// How often the keys folder is re-read (it is also re-read on SIGHUP).
pub const KEYS_RELOAD_INTERVAL: Duration = Duration::from_secs(30);

pub struct Application {
    port: u16,
    server: Server,
    keys: KeyStore,
    reloader: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds with an injected clock, so tests can move time instead of sleeping.
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        crate::install_crypto_provider();
        let cors = CorsPolicy::from_settings(&settings).context("AUTHD_CORS_ORIGINS")?;
        let keys =
            KeyStore::open(&settings.keys_dir, settings.jwks_max_age).context("AUTHD_KEYS_DIR")?;
        let state = web::Data::new(app_state(&settings, keys.clone(), clock).await?);
        let verifier = web::Data::new(AccessTokenVerifier::new(
            keys.clone(),
            &state.policy.issuer,
            &state.policy.audience,
            state.policy.leeway,
            state.clock.clone(),
        ));
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("AUTHD_BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr().context("AUTHD_BIND")?.port();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(cors.middleware())
                .wrap(from_fn(limit_request_size))
                .wrap(access_log())
                .app_data(state.clone())
                .app_data(verifier.clone())
                .configure(configure)
        })
        .listen(listener)
        .context("AUTHD_BIND")?
        .run();
        let reloader = keys.spawn_reloader(KEYS_RELOAD_INTERVAL);
        log::info!(
            "authd listening on {}:{port}",
            settings.bind.rsplit_once(':').map_or("", |(host, _)| host)
        );
        Ok(Self {
            port,
            server,
            keys,
            reloader,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The live key store, e.g. to reload it from a test.
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.reloader.abort();
        result
    }
}

/// The stores, hashing pool and policies every handler shares.
async fn app_state(
    settings: &Settings,
    keys: KeyStore,
    clock: SharedClock,
) -> anyhow::Result<AppState> {
    let stores = connect_stores(settings).await?;
    let workers = settings
        .hash_workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let queue = settings.hash_queue.unwrap_or(workers * 2);
    let hasher = PasswordHasher::new(settings.argon2, workers, queue).context("AUTHD_ARGON2")?;
    Ok(AppState {
        policy: token_policy(settings),
        password_policy: PasswordPolicy::new(settings.password_min_length),
        jwks_max_age: settings.jwks_max_age,
        keys,
        clock,
        users: stores.users,
        denylist: stores.denylist,
        hasher,
        throttle: Throttle::new(
            stores.counters,
            settings.ip_rate_limit,
            settings.login_max_failures,
            settings.login_window,
        ),
        trusted_proxies: settings.trusted_proxies.clone(),
        cookies: settings.cookies,
    })
}

fn token_policy(settings: &Settings) -> TokenPolicy {
    let secs = |n: u64| i64::try_from(n).unwrap_or(i64::MAX / 2);
    TokenPolicy {
        issuer: settings.issuer.clone(),
        audience: settings.audience.clone(),
        access_ttl: secs(settings.access_ttl),
        refresh_ttl: secs(settings.refresh_ttl),
        session_ttl: secs(settings.session_ttl),
        reuse_grace: secs(settings.refresh_reuse_grace),
        leeway: secs(settings.leeway),
    }
}

/// The access log: path without the query string, so nothing secret reaches the log.
fn access_log() -> Logger {
    Logger::new("%a \"%{method}xi %U\" %s %b %Dms")
        .custom_request_replace("method", |req| req.method().to_string())
}
