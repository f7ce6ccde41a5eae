//! The refresher task, the only place the JWKS is fetched: one fetch at a time, at once on
//! start, then when the answer's freshness runs out or an unknown kid asks; and what it
//! records for [`JwksStatus`].

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::fetch::{fetch, FetchError, Fetched, Limits};
use super::jwks::ring_from_jwks;
use super::policy::{RefreshPolicy, UnknownKidGate};
use super::Shared;

/// What the remote JWKS reports, for a service's readiness route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JwksStatus {
    /// A key set is held and the last fetch worked (200 or 304).
    pub healthy: bool,
    /// The kids of the set in use.
    pub kids: Vec<String>,
    /// Unix seconds of the last fetch that worked; `None` before the first.
    pub last_success: Option<i64>,
    /// Unix seconds of the last fetch, whatever its outcome.
    pub last_attempt: Option<i64>,
    /// Why the last fetch failed, while it is the latest outcome.
    pub last_error: Option<String>,
    /// Fetches so far.
    pub fetches: u64,
}

/// The mutable facts, under one lock.
pub(super) struct State {
    pub gate: UnknownKidGate,
    /// Fetches begun.
    pub started: u64,
    /// The `ETag` of the set in use.
    etag: Option<String>,
    last_success: Option<i64>,
    last_attempt: Option<i64>,
    last_error: Option<String>,
}

impl State {
    pub fn new(policy: &RefreshPolicy) -> Self {
        State {
            gate: UnknownKidGate::new(policy.unknown_kid_interval),
            started: 0,
            etag: None,
            last_success: None,
            last_attempt: None,
            last_error: None,
        }
    }
}

/// Fetches until the task is aborted: at once, then after the wait the policy gives for
/// the outcome, or sooner when an unknown kid asks.
pub(super) async fn refresh_forever(shared: Arc<Shared>) {
    let mut failures = 0;
    loop {
        let wait = match shared.fetch_once().await {
            Ok(fresh_for) => {
                failures = 0;
                shared.policy.after_success(fresh_for)
            }
            Err(_) => {
                failures += 1;
                shared.policy.after_failure(failures)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shared.wake.notified() => {}
        }
    }
}

impl Shared {
    /// One fetch, recorded; the freshness of its answer.
    async fn fetch_once(&self) -> Result<Option<Duration>, FetchError> {
        let etag = {
            let mut state = self.state.lock();
            state.started += 1;
            // Revalidate only a set we hold: a 304 must never leave us with none.
            (!self.ring.load().is_empty())
                .then(|| state.etag.clone())
                .flatten()
        };
        let outcome = self.fetch_and_install(etag.as_deref()).await;
        self.record(&outcome);
        self.completed.send_modify(|ended| *ended += 1);
        outcome
    }

    async fn fetch_and_install(&self, etag: Option<&str>) -> Result<Option<Duration>, FetchError> {
        let limits = Limits {
            timeout: self.policy.fetch_timeout,
            max_body_bytes: self.policy.max_body_bytes,
        };
        match fetch(&self.client, &self.url, etag, limits).await? {
            Fetched::NotModified { fresh_for } => Ok(fresh_for),
            Fetched::Modified {
                body,
                etag,
                fresh_for,
            } => {
                let ring = Arc::new(ring_from_jwks(&body)?);
                let kids: Vec<&str> = ring.kids().collect();
                if !self.ring.load().kids().eq(kids.iter().copied()) {
                    log::info!("JWKS from {}: keys {kids:?}", self.shown_url);
                }
                self.ring.store(ring.clone());
                self.state.lock().etag = etag;
                Ok(fresh_for)
            }
        }
    }

    fn record(&self, outcome: &Result<Option<Duration>, FetchError>) {
        let now = self.clock.now();
        let mut state = self.state.lock();
        state.last_attempt = Some(now);
        match outcome {
            Ok(_) => {
                state.last_success = Some(now);
                state.last_error = None;
            }
            Err(err) => {
                log::warn!(
                    "JWKS fetch from {} failed, keeping the last good key set ({} keys): {err}",
                    self.shown_url,
                    self.ring.load().len()
                );
                state.last_error = Some(err.to_string());
            }
        }
    }

    pub(super) fn status(&self) -> JwksStatus {
        let ring = self.ring.load();
        let state = self.state.lock();
        JwksStatus {
            healthy: !ring.is_empty() && state.last_success.is_some() && state.last_error.is_none(),
            kids: ring.kids().map(str::to_owned).collect(),
            last_success: state.last_success,
            last_attempt: state.last_attempt,
            last_error: state.last_error.clone(),
            fetches: *self.completed.borrow(),
        }
    }
}
