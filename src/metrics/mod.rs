//! Prometheus metrics: one [`Metrics`] value per server (its own registry, no global), fed by
//! the access log, the flows, the hashing pool and the stores, and rendered as text on the
//! separate `AUTHD_METRICS_BIND` listener, never on the public one.

mod outcomes;
mod stores;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

pub use outcomes::{LoginOutcome, RefreshOutcome, Revocation};
pub use stores::instrument;

use crate::hashing::PoolGauges;
use crate::keys::KeyRing;
use crate::tokens::CacheCounters;

/// Latency buckets, seconds: from a cached verify (tens of µs) to a login (argon2, ~50 ms)
/// and a stalled store (its timeout).
const LATENCY_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Every metric authd exports.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_duration: HistogramVec,
    logins: IntCounterVec,
    refreshes: IntCounterVec,
    revocations: IntCounterVec,
    store_duration: HistogramVec,
    store_errors: IntCounterVec,
    keys: IntGaugeVec,
    revocation_facts: IntGauge,
    token_cache_entries: IntGauge,
    /// The verified-token cache's hits and misses, handed to its [`TokenCache`].
    pub token_cache: CacheCounters,
    revocations_current: IntGauge,
    /// The hashing pool's gauges, handed to [`crate::hashing::PasswordHasher`].
    pub hashing: PoolGauges,
}

impl Metrics {
    /// A fresh registry with every metric at zero, every outcome's series included (so a
    /// `rate()` over it starts from the first scrape, not from its first event).
    pub fn new() -> Self {
        let registry = Registry::new();
        match Self::register(&registry) {
            Ok(metrics) => {
                for outcome in LoginOutcome::ALL {
                    metrics.logins.with_label_values(&[outcome.label()]);
                }
                for outcome in RefreshOutcome::ALL {
                    metrics.refreshes.with_label_values(&[outcome.label()]);
                }
                for reason in Revocation::ALL {
                    metrics.revocations.with_label_values(&[reason.label()]);
                }
                metrics
            }
            // Names and labels are constants of this file: a clash is a bug caught by the
            // unit test, never a runtime condition.
            Err(err) => unreachable!("metric registration: {err}"),
        }
    }

    fn register(registry: &Registry) -> prometheus::Result<Self> {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let vec = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(vec.clone()))?;
            Ok::<_, prometheus::Error>(vec)
        };
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            let opts = HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec());
            let vec = HistogramVec::new(opts, labels)?;
            registry.register(Box::new(vec.clone()))?;
            Ok::<_, prometheus::Error>(vec)
        };
        let gauge = |name: &str, help: &str| {
            let gauge = IntGauge::new(name, help)?;
            registry.register(Box::new(gauge.clone()))?;
            Ok::<_, prometheus::Error>(gauge)
        };
        let plain_counter = |name: &str, help: &str| {
            let counter = IntCounter::new(name, help)?;
            registry.register(Box::new(counter.clone()))?;
            Ok::<_, prometheus::Error>(counter)
        };
        let refused = IntCounter::new(
            "authd_hashing_refused_total",
            "Password hashes refused because the pool and its queue were full (answered 503).",
        )?;
        registry.register(Box::new(refused.clone()))?;
        let keys = IntGaugeVec::new(
            Opts::new(
                "authd_keys",
                "Keys of the folder: 1 per kid, with its algorithm and whether it signs now.",
            ),
            &["kid", "alg", "state"],
        )?;
        registry.register(Box::new(keys.clone()))?;
        let info = IntGaugeVec::new(
            Opts::new("authd_build_info", "The running version; always 1."),
            &["version"],
        )?;
        registry.register(Box::new(info.clone()))?;
        info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        Ok(Self {
            requests: counter(
                "authd_http_requests_total",
                "HTTP requests answered, by method, route template and status.",
                &["method", "route", "status"],
            )?,
            request_duration: histogram(
                "authd_http_request_duration_seconds",
                "Time from the request's arrival to its answer, by method and route template.",
                &["method", "route"],
            )?,
            logins: counter(
                "authd_logins_total",
                "Password logins (JSON and OAuth), by outcome.",
                &["outcome"],
            )?,
            refreshes: counter(
                "authd_refreshes_total",
                "Refresh-token presentations to rotate (JSON and OAuth), by outcome.",
                &["outcome"],
            )?,
            revocations: counter(
                "authd_revocations_total",
                "Sessions or users whose refresh tokens were revoked, by reason.",
                &["reason"],
            )?,
            store_duration: histogram(
                "authd_store_operation_duration_seconds",
                "Store operations, by store (users, denylist, counters) and operation.",
                &["store", "operation"],
            )?,
            store_errors: counter(
                "authd_store_errors_total",
                "Store operations that failed (unavailable, timed out or corrupt).",
                &["store", "operation"],
            )?,
            keys,
            revocation_facts: gauge(
                "authd_revocation_facts",
                "Revocation facts in force in this instance's memory (sessions and users).",
            )?,
            token_cache_entries: gauge(
                "authd_token_cache_entries",
                "Verified access tokens held by the cache (AUTHD_TOKEN_CACHE bounds it).",
            )?,
            token_cache: CacheCounters {
                hits: plain_counter(
                    "authd_token_cache_hits_total",
                    "Access tokens found verified in the cache (times and revocations re-checked).",
                )?,
                misses: plain_counter(
                    "authd_token_cache_misses_total",
                    "Access tokens verified in full (first seen, or the keys changed).",
                )?,
            },
            revocations_current: gauge(
                "authd_revocations_current",
                "1 when this instance read the revocation facts from the store within 5 s.",
            )?,
            hashing: PoolGauges {
                workers: gauge("authd_hashing_workers", "Threads of the argon2 pool.")?,
                busy: gauge(
                    "authd_hashing_busy_workers",
                    "argon2 threads hashing right now.",
                )?,
                queued: gauge(
                    "authd_hashing_queue_depth",
                    "Hashes waiting for a free argon2 thread.",
                )?,
                refused,
            },
            registry: registry.clone(),
        })
    }

    /// Counts one answered request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.request_duration
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    pub fn count_login(&self, outcome: LoginOutcome) {
        self.logins.with_label_values(&[outcome.label()]).inc();
    }

    pub fn count_refresh(&self, outcome: RefreshOutcome) {
        self.refreshes.with_label_values(&[outcome.label()]).inc();
    }

    pub fn count_revocation(&self, reason: Revocation) {
        self.revocations.with_label_values(&[reason.label()]).inc();
    }

    fn observe_store(&self, store: &str, operation: &str, seconds: f64, failed: bool) {
        let labels = [store, operation];
        self.store_duration
            .with_label_values(&labels)
            .observe(seconds);
        if failed {
            self.store_errors.with_label_values(&labels).inc();
        }
    }

    /// How many tokens the cache holds, read at scrape time.
    pub fn observe_token_cache(&self, entries: u64) {
        self.token_cache_entries
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
    }

    /// The revocation facts as they stand, read at scrape time.
    pub fn observe_revocations(&self, facts: usize, current: bool) {
        self.revocation_facts
            .set(i64::try_from(facts).unwrap_or(i64::MAX));
        self.revocations_current.set(i64::from(current));
    }

    /// The text exposition (format 0.0.4) of every metric, the key gauges read from `ring`.
    pub fn render(&self, ring: &KeyRing, now: i64) -> String {
        self.keys.reset();
        let signing = ring.signing_key(now).map(|key| key.kid.as_str());
        for kid in ring.kids() {
            let Some(key) = ring.get(kid) else { continue };
            let state = match () {
                _ if Some(kid) == signing => "signing",
                _ if key.can_sign() => "standby",
                _ => "verify_only",
            };
            self.keys
                .with_label_values(&[kid, &format!("{:?}", key.alg), state])
                .set(1);
        }
        let mut text = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            log::error!("rendering metrics: {err}");
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The method as a label: a client may send any token as a method, and each label value
/// is a series kept forever, so the unknown ones share one.
fn method_label(method: &str) -> &str {
    const KNOWN: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    KNOWN
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("other")
}

#[cfg(test)]
mod tests;
