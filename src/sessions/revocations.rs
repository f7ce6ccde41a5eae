//! Instant revocation in the flows: a revocation is recorded in the shared store (so every
//! instance learns it) and applied to this instance's set at once; a background task keeps
//! the set current with what other instances record (pushed by Redis, else polled).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{SessionError, Sessions};
use crate::clock::Clock;
use crate::revocation::{RevocationSet, Revoked};
use crate::store::{RevocationStore, StoreError};

/// How often facts are read from the store: the bound on how late another instance's
/// revocation reaches this one when nothing pushes it (a database), or a push was lost.
pub const REVOCATION_POLL: Duration = Duration::from_millis(250);
/// The poll interval when the store pushes facts: it only catches what a reconnect missed.
const PUSHED_POLL: Duration = Duration::from_secs(1);
/// A set not synced for this long is reported stale (`/readyz`, metrics).
const STALE_AFTER: Duration = Duration::from_secs(5);

/// The store every instance shares and this instance's set of live facts.
pub struct Revocations {
    pub store: Arc<dyn RevocationStore>,
    pub set: Arc<RevocationSet>,
    /// Milliseconds from `started` to the last successful read from the store (`u64::MAX`:
    /// never). Real time, not the injected clock: staleness is about the store's silence.
    synced_at: AtomicU64,
    started: Instant,
    /// The greatest `seq` read from the store: the next read starts above it.
    seen: AtomicU64,
    /// The greatest `seq` this instance knows the store handed out (read, or recorded
    /// here): a store whose last number is below it has lost its facts.
    highest: AtomicU64,
}

impl Revocations {
    pub fn new(store: Arc<dyn RevocationStore>, set: Arc<RevocationSet>) -> Self {
        Self {
            store,
            set,
            synced_at: AtomicU64::new(u64::MAX),
            started: Instant::now(),
            seen: AtomicU64::new(0),
            highest: AtomicU64::new(0),
        }
    }

    /// Whether the set has been read from the store within the last few seconds.
    pub fn is_current(&self) -> bool {
        let synced = self.synced_at.load(Ordering::Acquire);
        let stale = u64::try_from(STALE_AFTER.as_millis()).unwrap_or(u64::MAX);
        synced != u64::MAX && self.millis_since_start().saturating_sub(synced) <= stale
    }

    fn millis_since_start(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Reads what the store has that this instance has not seen into the set (at start,
    /// everything live). A store whose last number is below what was seen lost its facts
    /// (a Redis restarted empty): it is given this set's back.
    pub async fn sync(&self, now: i64) -> Result<(), StoreError> {
        let mut seen = self.seen.load(Ordering::Acquire);
        if self.store.last_seq().await? < self.highest.load(Ordering::Acquire) {
            log::warn!("the revocation store lost its facts; writing back the live ones");
            seen = 0;
            self.highest.store(0, Ordering::Release);
            for fact in self
                .set
                .snapshot(now, None)
                .into_iter()
                .map(|news| news.fact)
            {
                let recorded = self.store.record(fact.revoked, fact.until, now).await?;
                self.recorded(recorded.seq);
            }
        }
        for fact in self.store.since(seen, now).await? {
            seen = seen.max(fact.seq);
            self.recorded(fact.seq);
            self.set.apply(fact, now);
        }
        self.seen.store(seen, Ordering::Release);
        self.set.sweep(now);
        self.synced_at
            .store(self.millis_since_start(), Ordering::Release);
        Ok(())
    }

    /// Notes that the store handed out `seq`.
    fn recorded(&self, seq: u64) {
        self.highest.fetch_max(seq, Ordering::AcqRel);
    }

    /// Keeps the set current until the runtime stops: polls, and listens to the store's
    /// pushes when it has them.
    pub fn spawn_sync(self: &Arc<Self>, clock: Arc<dyn Clock>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let pushes = self.store.pushes();
        let (poller, poll_clock) = (self.clone(), clock.clone());
        tasks.push(tokio::spawn(async move {
            let every = if pushes { PUSHED_POLL } else { REVOCATION_POLL };
            loop {
                tokio::time::sleep(every).await;
                if let Err(err) = poller.sync(poll_clock.now()).await {
                    log::warn!("reading revocation facts: {err}");
                }
            }
        }));
        if pushes {
            let listener = self.clone();
            tasks.push(tokio::spawn(async move { listener.listen(clock).await }));
        }
        tasks
    }

    async fn listen(&self, clock: Arc<dyn Clock>) {
        let set = self.set.clone();
        let deliver = move |fact| {
            set.apply(fact, clock.now());
        };
        loop {
            if let Err(err) = self.store.listen(&deliver).await {
                log::warn!("revocation pushes stopped, polling until they are back: {err}");
            }
            tokio::time::sleep(PUSHED_POLL).await;
        }
    }
}

impl Sessions {
    /// Ends the access tokens `revoked` covers, on every instance: recorded in the shared
    /// store (a failure is the caller's 503: no revocation is claimed that was not
    /// recorded), then applied here at once.
    pub(super) async fn revoke_access(
        &self,
        revoked: Revoked,
        now: i64,
    ) -> Result<(), SessionError> {
        let until = self.policy.revocation_until(now);
        let fact = self.revocations.store.record(revoked, until, now).await?;
        self.revocations.recorded(fact.seq);
        self.revocations.set.apply(fact, now);
        Ok(())
    }

    /// The generation a user's tokens are at now, for a fact that ends the older ones.
    pub(super) async fn current_generation(&self, user: uuid::Uuid) -> Result<i64, SessionError> {
        let user = self.users.by_id(user).await?;
        Ok(user.map_or(Revoked::DELETED, |user| user.generation))
    }
}
