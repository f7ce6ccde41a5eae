//! `Application`: builds the stores, keys and server from `Settings`, binds (port 0 works,
//! for tests), and runs until stopped. The only module that knows the route table.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::browser::CookieCarrier;
use crate::clock::{Clock, SharedClock, SystemClock};
use crate::domain::PasswordPolicy;
use crate::hashing::PasswordHasher;
use crate::http::{limit_request_size, log_request, CorsPolicy};
use crate::keys::KeyStore;
use crate::metrics::{instrument, Metrics};
use crate::revocation::RevocationSet;
use crate::routes::{
    configure, configure_metrics, OpenApiDocument, RevocationFeed, ServerMetadata,
};
use crate::sessions::{Revocations, Sessions};
use crate::settings::Settings;
use crate::store::connect_stores;
use crate::throttle::Throttle;
use crate::tokens::{AccessTokenVerifier, StalePolicy, TokenCache, TokenPolicy};

/// How often expired denylist entries (kept successors first) are removed, even on an
/// instance that takes no writes.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(10);

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener (`AUTHD_METRICS_BIND`) and its port, unless it is off.
    metrics: Option<(Server, u16)>,
    keys: KeyStore,
    reloader: tokio::task::JoinHandle<()>,
    purger: tokio::task::JoinHandle<()>,
    /// The tasks that keep this instance's revocation facts current.
    revocation_sync: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds with an injected clock, so tests can move time instead of sleeping.
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        crate::install_crypto_provider();
        let cors = CorsPolicy::new(&settings.browser);
        let keys = KeyStore::from_settings(&settings.keys).context("AUTHD_KEYS_DIR")?;
        // A verifier's folder of public keys loads, but a server on it answers every login
        // with a 500: refuse it here, where the operator sees why.
        anyhow::ensure!(
            keys.current().can_sign(),
            "AUTHD_KEYS_DIR: no key in {} can sign, only public keys (*.pub.pem); add a private \
             key (`authd keys generate`)",
            settings.keys.dir.display()
        );
        let shared = Shared::build(&settings, keys.clone(), clock).await?;
        // The facts in force are loaded before the first request; a store that is down
        // now (Redis) is read by the sync task once it is back.
        if let Err(err) = shared.sessions.revocations.sync(shared.clock.now()).await {
            log::warn!("revocation facts not loaded at start: {err}");
        }
        let metrics = match settings.operations.metrics_listener() {
            Some(bind) => Some(shared.serve_metrics(bind, settings.operations.shutdown_timeout)?),
            None => None,
        };
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("AUTHD_BIND: cannot listen on {}", settings.bind))?;
        let port = listener.local_addr().context("AUTHD_BIND")?.port();
        let host = settings.bind.rsplit_once(':').map_or("", |(host, _)| host);
        let public_url =
            (settings.public_url.clone()).unwrap_or_else(|| format!("http://{host}:{port}"));
        let metadata = web::Data::new(ServerMetadata::new(&settings.tokens.issuer, &public_url));
        let openapi = web::Data::new(OpenApiDocument::new());
        let app_shared = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(cors.middleware())
                .wrap(from_fn(limit_request_size))
                .wrap(from_fn(log_request))
                .app_data(metadata.clone())
                .app_data(openapi.clone())
                .configure(|cfg| app_shared.register(cfg))
                .configure(configure)
        });
        // actix's own default is one worker per core it may run on (sched affinity included).
        let server = match settings.workers {
            Some(workers) => server.workers(workers),
            None => server,
        };
        let server = server
            // SIGTERM/SIGINT: stop accepting, let requests in flight finish for this long.
            .shutdown_timeout(settings.operations.shutdown_timeout)
            .listen(listener)
            .context("AUTHD_BIND")?
            .run();
        let reloader = keys.spawn_reloader();
        let purger = shared.spawn_purger();
        let revocation_sync =
            (shared.sessions.revocations).spawn_sync(shared.clock.clone().into_inner());
        log::info!("authd listening on {host}:{port}");
        log::info!("public URL (AUTHD_PUBLIC_URL) {public_url}");
        Ok(Self {
            port,
            server,
            metrics,
            keys,
            reloader,
            purger,
            revocation_sync,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics listener, unless `AUTHD_METRICS_BIND=off`.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// The live key store, e.g. to reload it from a test.
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// Serves until SIGTERM/SIGINT (or the server's handle) stops the public listener; the
    /// metrics listener stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.metrics.as_ref().map(|(server, _)| server.handle());
        let metrics = self.metrics.map(|(server, _)| server);
        // Both in this one future, so that dropping it drops both servers together.
        let public = async {
            let result = self.server.await;
            if let Some(handle) = handle {
                handle.stop(true).await;
            }
            result
        };
        let metrics = async {
            if let Some(server) = metrics {
                if let Err(err) = server.await {
                    log::error!("the metrics listener failed: {err}");
                }
            }
        };
        let (result, ()) = tokio::join!(public, metrics);
        self.reloader.abort();
        self.purger.abort();
        self.revocation_sync.iter().for_each(|task| task.abort());
        result
    }
}

/// What the handlers and extractors share, each piece on its own so each takes only what
/// it needs.
#[derive(Clone)]
struct Shared {
    sessions: web::Data<Sessions>,
    throttle: web::Data<Throttle>,
    keys: web::Data<KeyStore>,
    clock: web::Data<dyn Clock>,
    metrics: web::Data<Metrics>,
    verifier: web::Data<AccessTokenVerifier>,
    proxies: web::Data<crate::settings::TrustedProxies>,
    cookies: web::Data<CookieCarrier>,
    feed: web::Data<RevocationFeed>,
}

impl Shared {
    async fn build(
        settings: &Settings,
        keys: KeyStore,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let metrics = Arc::new(Metrics::new());
        let stores = instrument(
            connect_stores(&settings.database, &settings.redis).await?,
            &metrics,
        );
        let (workers, queue) = settings.hashing.pool_size();
        let gauges = metrics.hashing.clone();
        let hasher = PasswordHasher::with_gauges(settings.hashing.argon2, workers, queue, gauges)
            .context("AUTHD_ARGON2")?;
        let throttle = Arc::new(Throttle::new(stores.counters, &settings.throttle));
        let policy = TokenPolicy::new(&settings.tokens);
        let revocation_set = Arc::new(RevocationSet::new());
        let cache = TokenCache::new(
            settings.tokens.token_cache,
            Duration::from_secs(settings.tokens.access_ttl + settings.tokens.leeway),
            metrics.token_cache.clone(),
        );
        let verifier = AccessTokenVerifier::new(
            keys.clone(),
            &policy.issuer,
            &policy.audience,
            policy.leeway,
            clock.clone(),
        )
        .with_cache(cache)
        .with_revocations(revocation_set.clone(), StalePolicy::KeepVerifying);
        let sessions = Sessions {
            users: stores.users,
            denylist: stores.denylist,
            hasher,
            throttle: throttle.clone(),
            policy,
            passwords: PasswordPolicy::new(settings.hashing.password_min_length),
            device_ttl: i64::try_from(settings.throttle.device_ttl).unwrap_or(i64::MAX / 2),
            metrics: metrics.clone(),
            revocations: Arc::new(Revocations::new(stores.revocations, revocation_set.clone())),
        };
        Ok(Shared {
            sessions: web::Data::new(sessions),
            throttle: web::Data::from(throttle),
            keys: web::Data::new(keys),
            clock: web::Data::from(clock),
            metrics: web::Data::from(metrics),
            verifier: web::Data::new(verifier),
            proxies: web::Data::new(settings.throttle.trusted_proxies.clone()),
            feed: web::Data::new(RevocationFeed(
                settings.operations.revocations_token.clone(),
            )),
            cookies: web::Data::new(CookieCarrier {
                enabled: settings.browser.cookies,
                trusted_origins: settings.browser.cors_origins.origins.clone(),
            }),
        })
    }

    /// Starts the metrics listener on `bind`: one worker, `GET /metrics` only. It takes no
    /// signal itself; [`Application::run_until_stopped`] stops it after the public one.
    fn serve_metrics(&self, bind: &str, shutdown_timeout: u64) -> anyhow::Result<(Server, u16)> {
        let listener = TcpListener::bind(bind)
            .with_context(|| format!("AUTHD_METRICS_BIND: cannot listen on {bind}"))?;
        let port = listener.local_addr().context("AUTHD_METRICS_BIND")?.port();
        let (metrics, keys, clock) = (self.metrics.clone(), self.keys.clone(), self.clock.clone());
        let revocations = web::Data::from(self.sessions.revocations.clone());
        let verifier = self.verifier.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(metrics.clone())
                .app_data(verifier.clone())
                .app_data(revocations.clone())
                .app_data(keys.clone())
                .app_data(clock.clone())
                .configure(configure_metrics)
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(shutdown_timeout)
        .listen(listener)
        .context("AUTHD_METRICS_BIND")?
        .run();
        log::info!("metrics on http://{bind}/metrics (port {port})");
        Ok((server, port))
    }

    /// Purges expired denylist entries and revocation facts every [`PURGE_INTERVAL`].
    fn spawn_purger(&self) -> tokio::task::JoinHandle<()> {
        let (sessions, clock) = (self.sessions.clone(), self.clock.clone());
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(PURGE_INTERVAL);
            loop {
                ticker.tick().await;
                if let Err(err) = sessions.denylist.purge_expired(clock.now()).await {
                    log::warn!("purging expired denylist entries: {err}");
                }
                let facts = &sessions.revocations.store;
                if let Err(err) = facts.purge_expired(clock.now()).await {
                    log::warn!("purging expired revocation facts: {err}");
                }
            }
        })
    }

    fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.sessions.clone())
            .app_data(self.throttle.clone())
            .app_data(self.keys.clone())
            .app_data(self.clock.clone())
            .app_data(self.metrics.clone())
            .app_data(self.verifier.clone())
            .app_data(self.proxies.clone())
            .app_data(self.cookies.clone())
            .app_data(self.feed.clone());
    }
}
