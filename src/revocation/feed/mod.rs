//! [`RemoteRevocations`]: authd's `GET /auth/revocations` followed over HTTP, for a service
//! that verifies access tokens offline and must still refuse a logged-out session's.
//!
//! One background task holds the event stream open: the snapshot of the live facts, then
//! each new fact as authd learns it, into a [`RevocationSet`] that an
//! [`AccessTokenVerifier`](crate::tokens::AccessTokenVerifier) checks after every signature
//! (`with_revocations`). A dropped stream is resumed from its cursor (`Last-Event-ID`) with
//! a jittered backoff; authd answers a cursor it does not know with the whole snapshot, so
//! nothing is missed across its restarts or a load balancer. The set counts as current
//! while the stream is open and synced, and for [`FeedPolicy::stale_after`] after it drops;
//! past that, [`RemoteRevocations::status`], the metrics and, under
//! [`StalePolicy::Refuse`](crate::tokens::StalePolicy), the verifier say so.

mod follow;
mod sse;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use parking_lot::Mutex;
use prometheus::{IntCounter, IntGauge, Registry};
use serde::Serialize;
use tokio::sync::watch;

use super::{Cursor, RevocationSet};
use crate::clock::{SharedClock, SystemClock};
use crate::outbound::{self, AbortOnDrop};
use crate::settings::Secret;

/// How the feed is followed. The defaults suit a service beside authd.
#[derive(Debug, Clone, Copy)]
pub struct FeedPolicy {
    /// How long the set stays current after the stream drops: a reconnect within it (authd
    /// ends each stream after a few minutes) is never seen as a lost feed.
    pub stale_after: Duration,
    /// The first wait before reconnecting; it doubles on each failure up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest a connection may take to be made.
    pub connect_timeout: Duration,
    /// A stream silent this long is dead (authd sends a heartbeat every 15 s).
    pub idle_timeout: Duration,
    /// The longest line or event accepted (a fact is about 120 bytes).
    pub max_event_bytes: usize,
}

impl Default for FeedPolicy {
    fn default() -> Self {
        Self {
            stale_after: Duration::from_secs(5),
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(45),
            max_event_bytes: 16 * 1024,
        }
    }
}

/// What [`RemoteRevocations::status`] reports (a service's `/readyz` can show it as is).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FeedStatus {
    /// Whether the facts can be trusted to be complete: the stream is synced, or dropped
    /// less than `stale_after` ago.
    pub current: bool,
    /// Whether a stream is open and has sent its whole snapshot.
    pub connected: bool,
    /// The live facts held.
    pub facts: usize,
    /// When a stream last finished its snapshot (Unix seconds).
    pub last_synced_at: Option<i64>,
    /// How many times the stream was lost.
    pub disconnects: u64,
    /// Why the last attempt or stream failed.
    pub last_error: Option<String>,
}

/// A handle on a followed feed; cheap to clone. The task stops with the last clone.
#[derive(Clone)]
pub struct RemoteRevocations {
    shared: Arc<Shared>,
    _follower: Arc<AbortOnDrop>,
}

/// What the handles and the follower task share.
struct Shared {
    url: reqwest::Url,
    shown_url: String,
    token: Secret,
    client: reqwest::Client,
    policy: FeedPolicy,
    clock: SharedClock,
    set: Arc<RevocationSet>,
    state: Mutex<State>,
    /// How many times a stream has synced.
    syncs: watch::Sender<u64>,
    metrics: FeedMetrics,
}

struct State {
    connected: bool,
    /// When the last synced stream dropped; `None` while one is open, or before the first.
    lost_at: Option<Instant>,
    last_synced_at: Option<i64>,
    disconnects: u64,
    last_error: Option<String>,
    /// Where to resume from.
    cursor: Option<Cursor>,
}

/// The feed's Prometheus metrics, registered by [`RemoteRevocations::register`].
struct FeedMetrics {
    current: IntGauge,
    connected: IntGauge,
    facts: IntGauge,
    disconnects: IntCounter,
    last_sync: IntGauge,
}

impl FeedMetrics {
    fn new() -> prometheus::Result<Self> {
        Ok(Self {
            current: IntGauge::new(
                "authd_revocation_feed_current",
                "1 while the revocation facts are current (the feed synced, or lost for less than its grace)",
            )?,
            connected: IntGauge::new(
                "authd_revocation_feed_connected",
                "1 while a revocation event stream is open and synced",
            )?,
            facts: IntGauge::new(
                "authd_revocation_feed_facts",
                "Live revocation facts held from the feed",
            )?,
            disconnects: IntCounter::new(
                "authd_revocation_feed_disconnects_total",
                "Revocation event streams lost or refused",
            )?,
            last_sync: IntGauge::new(
                "authd_revocation_feed_last_sync_timestamp_seconds",
                "When a revocation event stream last finished its snapshot",
            )?,
        })
    }
}

impl RemoteRevocations {
    /// Follows `url` (authd's `…/auth/revocations`) with the feed's shared secret `token`
    /// (authd's `AUTHD_REVOCATIONS_TOKEN`), on the system clock. Must be called within a
    /// tokio runtime; returns at once, not current until the first snapshot has arrived
    /// (see [`RemoteRevocations::wait_until_current`]).
    pub fn spawn(url: &str, token: Secret, policy: FeedPolicy) -> anyhow::Result<Self> {
        Self::spawn_with_clock(url, token, policy, Arc::new(SystemClock))
    }

    /// As [`RemoteRevocations::spawn`], with `clock` for the facts' `until`.
    pub fn spawn_with_clock(
        url: &str,
        token: Secret,
        policy: FeedPolicy,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let url = outbound::parse_url(url, "the revocation feed URL")?;
        let runtime = tokio::runtime::Handle::try_current()
            .context("RemoteRevocations::spawn must be called within a tokio runtime")?;
        let client = reqwest::Client::builder()
            // authd never redirects its feed; a redirect would send the secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(policy.connect_timeout)
            .read_timeout(policy.idle_timeout)
            .user_agent(concat!("authd-revocation-feed/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the revocation feed's HTTP client")?;
        let set = Arc::new(RevocationSet::new());
        set.mark_current(false);
        let shared = Arc::new(Shared {
            shown_url: outbound::shown(&url),
            url,
            token,
            client,
            policy,
            clock,
            set,
            state: Mutex::new(State {
                connected: false,
                lost_at: None,
                last_synced_at: None,
                disconnects: 0,
                last_error: None,
                cursor: None,
            }),
            syncs: watch::Sender::new(0),
            metrics: FeedMetrics::new().context("the revocation feed's metrics")?,
        });
        let task = runtime.spawn(follow::follow_forever(shared.clone()));
        Ok(Self {
            shared,
            _follower: Arc::new(AbortOnDrop(task.abort_handle())),
        })
    }

    /// The facts, for [`AccessTokenVerifier::with_revocations`](crate::tokens::AccessTokenVerifier::with_revocations).
    pub fn set(&self) -> Arc<RevocationSet> {
        self.shared.set.clone()
    }

    pub fn status(&self) -> FeedStatus {
        let state = self.shared.state.lock();
        FeedStatus {
            current: self.shared.set.is_current(),
            connected: state.connected,
            facts: self.shared.set.len(),
            last_synced_at: state.last_synced_at,
            disconnects: state.disconnects,
            last_error: state.last_error.clone(),
        }
    }

    /// Waits at most `within` for a stream to sync; whether the facts are current.
    pub async fn wait_until_current(&self, within: Duration) -> bool {
        let mut syncs = self.shared.syncs.subscribe();
        let synced = syncs.wait_for(|_| self.shared.set.is_current());
        let synced = tokio::time::timeout(within, synced).await;
        matches!(synced, Ok(Ok(_)))
    }

    /// Adds the feed's metrics (`authd_revocation_feed_*`) to `registry`.
    pub fn register(&self, registry: &Registry) -> prometheus::Result<()> {
        let metrics = &self.shared.metrics;
        registry.register(Box::new(metrics.current.clone()))?;
        registry.register(Box::new(metrics.connected.clone()))?;
        registry.register(Box::new(metrics.facts.clone()))?;
        registry.register(Box::new(metrics.disconnects.clone()))?;
        registry.register(Box::new(metrics.last_sync.clone()))
    }
}

#[cfg(test)]
mod tests;
