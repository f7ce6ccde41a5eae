//! Where revocation facts are shared between instances: Redis when configured (a sorted set
//! scored by expiry, plus pub/sub), else the database (rows with their expiry, polled), and
//! memory for tests and a single process.

use async_trait::async_trait;
use parking_lot::Mutex;

use super::StoreError;
use crate::revocation::{Fact, Revoked};

#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Records `revoked` as in force until `until`, for every instance; the fact, numbered.
    async fn record(&self, revoked: Revoked, until: i64, now: i64) -> Result<Fact, StoreError>;
    /// The facts still in force at `now` whose `seq` is above `since`, in `seq` order
    /// (PostgreSQL also returns the last few seconds' rows again: see `LATE_COMMIT_WINDOW`).
    async fn since(&self, since: u64, now: i64) -> Result<Vec<Fact>, StoreError>;
    /// The greatest `seq` handed out; lower than a reader's cursor when the store lost its
    /// facts (a Redis restarted without its data), which the reader then gives back.
    async fn last_seq(&self) -> Result<u64, StoreError>;
    /// Removes facts past their `until`; Redis trims itself on every write.
    async fn purge_expired(&self, _now: i64) -> Result<(), StoreError> {
        Ok(())
    }
    /// Whether [`Self::listen`] pushes facts as they are recorded (Redis pub/sub); stores
    /// without it are polled.
    fn pushes(&self) -> bool {
        false
    }
    /// Hands every fact another instance records to `deliver` as it happens, until the
    /// connection ends (then the caller listens again).
    async fn listen(&self, _deliver: &(dyn Fn(Fact) + Send + Sync)) -> Result<(), StoreError> {
        Ok(())
    }
}

/// One process's facts: a list behind a lock, numbered from 1.
#[derive(Default)]
pub struct MemoryRevocations {
    facts: Mutex<(Vec<Fact>, u64)>,
}

impl MemoryRevocations {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RevocationStore for MemoryRevocations {
    async fn record(&self, revoked: Revoked, until: i64, now: i64) -> Result<Fact, StoreError> {
        let mut guard = self.facts.lock();
        let (facts, last) = &mut *guard;
        facts.retain(|fact| fact.until >= now);
        *last += 1;
        let fact = Fact {
            seq: *last,
            revoked,
            until,
        };
        facts.push(fact);
        Ok(fact)
    }

    async fn since(&self, since: u64, now: i64) -> Result<Vec<Fact>, StoreError> {
        let guard = self.facts.lock();
        let live = guard.0.iter().filter(|f| f.seq > since && f.until >= now);
        Ok(live.copied().collect())
    }

    async fn last_seq(&self) -> Result<u64, StoreError> {
        Ok(self.facts.lock().1)
    }
}

/// How far back a PostgreSQL poll re-reads, seconds: a row whose sequence number was taken
/// before a higher-numbered one committed, and that committed after it, is still seen.
pub(super) const LATE_COMMIT_WINDOW: i64 = 5;

/// A stored row as a fact; a row that is neither a session nor a user fact is corrupt.
pub(super) fn fact_of_row(
    seq: i64,
    sid: Option<uuid::Uuid>,
    sub: Option<uuid::Uuid>,
    gen: Option<i64>,
    until: i64,
) -> Result<Fact, StoreError> {
    let revoked = match (sid, sub, gen) {
        (Some(sid), None, _) => Revoked::Session { sid },
        (None, Some(sub), Some(gen)) => Revoked::User { sub, gen },
        _ => return Err(StoreError::Corrupt(format!("revocation fact {seq}"))),
    };
    let seq =
        u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("revocation fact {seq}")))?;
    Ok(Fact {
        seq,
        revoked,
        until,
    })
}

/// The columns of a fact: (sid, sub, gen).
pub(super) fn row_of(revoked: Revoked) -> (Option<uuid::Uuid>, Option<uuid::Uuid>, Option<i64>) {
    match revoked {
        Revoked::Session { sid } => (Some(sid), None, None),
        Revoked::User { sub, gen } => (None, Some(sub), Some(gen)),
    }
}
