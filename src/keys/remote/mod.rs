//! [`RemoteJwks`]: authd's `/.well-known/jwks.json` as a key source, for a service that
//! verifies access tokens without holding any key file.
//!
//! One background task fetches the set at once, then again when the answer's
//! `Cache-Control: max-age` runs out (held between [`RefreshPolicy::min_refresh`] and
//! [`RefreshPolicy::max_refresh`]), revalidating with `If-None-Match` so an unchanged set
//! costs a 304. A token naming a kid the set lacks asks for one more fetch, at most once per
//! [`RefreshPolicy::unknown_kid_interval`], never once per request. When authd cannot be
//! reached or answers anything but a usable JWKS, the last good set stays in use and
//! [`RemoteJwks::status`] says so.

mod fetch;
mod jwks;
mod policy;
mod refresher;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use arc_swap::ArcSwap;
use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

use super::KeyRing;
use crate::clock::{SharedClock, SystemClock};
use crate::outbound::{self, AbortOnDrop};
pub use jwks::{ring_from_jwks, JwksError};
use policy::Admission;
pub use policy::RefreshPolicy;
pub use refresher::JwksStatus;

/// A shared handle on a remote JWKS and its refresher task; cheap to clone. The task
/// stops when the last clone is dropped.
#[derive(Clone)]
pub struct RemoteJwks {
    shared: Arc<Shared>,
    _refresher: Arc<AbortOnDrop>,
}

/// What the handles and the refresher task share.
struct Shared {
    url: reqwest::Url,
    /// The URL as logged: without any user name or password it may carry.
    shown_url: String,
    client: reqwest::Client,
    policy: RefreshPolicy,
    clock: SharedClock,
    /// The origin of the unknown-kid gate's monotonic milliseconds.
    epoch: Instant,
    ring: ArcSwap<KeyRing>,
    state: Mutex<refresher::State>,
    /// How many fetches have ended, successful or not.
    completed: watch::Sender<u64>,
    /// Asks the refresher for a fetch now.
    wake: Notify,
}

impl RemoteJwks {
    /// Starts fetching `url` (authd's `…/.well-known/jwks.json`) under `policy`, on the
    /// system clock. Must be called within a tokio runtime (`#[actix_web::main]` is one);
    /// returns at once, with no key until the first fetch ends (see
    /// [`RemoteJwks::wait_for_keys`]).
    pub fn spawn(url: &str, policy: RefreshPolicy) -> anyhow::Result<RemoteJwks> {
        Self::spawn_with_clock(url, policy, Arc::new(SystemClock))
    }

    /// As [`RemoteJwks::spawn`], with `clock` for the times [`RemoteJwks::status`] reports.
    pub fn spawn_with_clock(
        url: &str,
        policy: RefreshPolicy,
        clock: SharedClock,
    ) -> anyhow::Result<RemoteJwks> {
        let url = outbound::parse_url(url, "the JWKS URL")?;
        let shown_url = outbound::shown(&url);
        let runtime = tokio::runtime::Handle::try_current()
            .context("RemoteJwks::spawn must be called within a tokio runtime")?;
        // The keys are for verifying, which needs jsonwebtoken's crypto provider.
        crate::install_crypto_provider();
        let shared = Arc::new(Shared {
            url,
            shown_url,
            client: http_client(&policy)?,
            clock,
            epoch: Instant::now(),
            ring: ArcSwap::from_pointee(jwks::no_keys()),
            state: Mutex::new(refresher::State::new(&policy)),
            completed: watch::Sender::new(0),
            wake: Notify::new(),
            policy,
        });
        let task = runtime.spawn(refresher::refresh_forever(shared.clone()));
        Ok(RemoteJwks {
            shared,
            _refresher: Arc::new(AbortOnDrop(task.abort_handle())),
        })
    }

    /// The last good key set: a lock-free load, cheap enough for every request.
    pub fn current(&self) -> Arc<KeyRing> {
        self.shared.ring.load_full()
    }

    /// When the set was last fetched, whether that worked, and what it holds.
    pub fn status(&self) -> JwksStatus {
        self.shared.status()
    }

    /// Waits at most `within` for a key set; whether one is held. A service may start
    /// serving either way: until a set arrives, every token names an unknown kid.
    pub async fn wait_for_keys(&self, within: Duration) -> bool {
        let mut completed = self.shared.completed.subscribe();
        let has_keys = completed.wait_for(|_| !self.shared.ring.load().is_empty());
        let has_keys = tokio::time::timeout(within, has_keys).await;
        matches!(has_keys, Ok(Ok(_)))
    }

    /// A token named a kid the set lacks: asks for a fetch unless one was asked for less
    /// than [`RefreshPolicy::unknown_kid_interval`] ago, and waits for it (or for the one
    /// already asked for). Whether a fetch ended, so that verifying again is worth it.
    ///
    /// Waiting, not rejecting: the first token of a key the set does not hold yet is what
    /// tells the service that the set moved, and rejecting it would answer 401 to whoever
    /// comes first after a rotation. The wait is bounded by the fetch timeout (twice: a
    /// scheduled fetch may be running), and only requests within one fetch's time of the
    /// asking one wait at all: after that fetch, an unknown kid is rejected at once until
    /// the interval is over. So a flood of forged kids costs one fetch per interval.
    pub async fn refetch_for_unknown_kid(&self) -> bool {
        let shared = &self.shared;
        let mut completed = shared.completed.subscribe();
        let admission = {
            let mut state = shared.state.lock();
            let now_ms = i64::try_from(shared.epoch.elapsed().as_millis()).unwrap_or(i64::MAX);
            let (started, ended) = (state.started, *completed.borrow());
            state.gate.admit(now_ms, started, ended)
        };
        let target = match admission {
            Admission::Refuse => return false,
            Admission::Join(target) => target,
            Admission::Fetch(target) => {
                log::debug!("a token names a kid the JWKS lacks: fetching it again");
                shared.wake.notify_one();
                target
            }
        };
        let wait = shared.policy.fetch_timeout.saturating_mul(2);
        let ended = completed.wait_for(|ended| *ended >= target);
        let ended = tokio::time::timeout(wait, ended).await;
        matches!(ended, Ok(Ok(_)))
    }
}

/// The client of every fetch: TLS through rustls on aws-lc-rs, checked against the
/// platform's trust store; no redirects; one timeout.
fn http_client(policy: &RefreshPolicy) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        // authd never redirects its JWKS; following one would trust another host's keys.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(policy.fetch_timeout)
        .user_agent(concat!("authd-remote-jwks/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("building the JWKS HTTP client")
}

#[cfg(test)]
pub(crate) mod tests;
