//! Rate counters: the store behind throttling. In memory by default (bounded, expiring),
//! in Redis when `AUTHD_REDIS_URL` is set, so limits hold across instances.

use std::collections::HashMap;

use async_trait::async_trait;
use parking_lot::{Mutex, MutexGuard};

use super::gcra::Gcra;
use super::StoreError;

/// A fixed-window count and the seconds until the window resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub count: u64,
    pub resets_in: u64,
}

#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Adds one to `key`, creating it with `window` seconds to live; returns the new count.
    async fn increment(&self, key: &str, window: u64, now: i64) -> Result<Window, StoreError>;
    /// The count of `key` without adding to it (zero when absent or expired).
    async fn peek(&self, key: &str, now: i64) -> Result<Window, StoreError>;
    /// Forgets `key` (a success resets the failure count).
    async fn reset(&self, key: &str) -> Result<(), StoreError>;
    /// Takes one back from a live count of `key`, never below zero; keeps its expiry.
    async fn decrement(&self, key: &str, now: i64) -> Result<(), StoreError>;
    /// GCRA: takes one request of `per_minute` with bursts of `burst`. `Ok(None)` when
    /// allowed, `Ok(Some(seconds))` to wait when not.
    async fn take_token(
        &self,
        key: &str,
        per_minute: u32,
        burst: u32,
        now_ms: i64,
    ) -> Result<Option<u64>, StoreError>;
    async fn check(&self) -> Result<(), StoreError>;
}

/// Most keys the memory store keeps by default.
const MAX_KEYS: usize = 100_000;

/// key → (count or GCRA theoretical arrival time in ms, expiry in unix seconds)
type Entries = HashMap<String, (i64, i64)>;

/// Counters in this process. Bounded: past its capacity, expired keys are swept, and when
/// every key still holds a live count a new key is refused (503) rather than evicting one:
/// no flood of new keys can reset a lockout or a failure count.
pub struct MemoryCounters {
    entries: Mutex<Entries>,
    capacity: usize,
}

impl Default for MemoryCounters {
    fn default() -> Self {
        Self::with_capacity(MAX_KEYS)
    }
}

impl MemoryCounters {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock()
    }

    /// Room for `key`: it exists, or there is space, or sweeping expired keys made some.
    fn make_room(&self, entries: &mut Entries, key: &str, now: i64) -> Result<(), StoreError> {
        if entries.len() < self.capacity || entries.contains_key(key) {
            return Ok(());
        }
        entries.retain(|_, (_, expires)| *expires > now);
        if entries.len() < self.capacity {
            return Ok(());
        }
        Err(StoreError::unavailable(anyhow::anyhow!(
            "the rate-counter table is full of live counts ({} keys)",
            self.capacity
        )))
    }
}

#[async_trait]
impl CounterStore for MemoryCounters {
    async fn increment(&self, key: &str, window: u64, now: i64) -> Result<Window, StoreError> {
        let mut entries = self.lock();
        self.make_room(&mut entries, key, now)?;
        let entry = entries
            .entry(key.to_owned())
            .or_insert((0, now + window as i64));
        if entry.1 <= now {
            *entry = (0, now + window as i64);
        }
        entry.0 += 1;
        Ok(Window {
            count: entry.0 as u64,
            resets_in: (entry.1 - now).max(0) as u64,
        })
    }

    async fn peek(&self, key: &str, now: i64) -> Result<Window, StoreError> {
        let entries = self.lock();
        Ok(match entries.get(key) {
            Some((count, expires)) if *expires > now => Window {
                count: *count as u64,
                resets_in: (*expires - now) as u64,
            },
            _ => Window {
                count: 0,
                resets_in: 0,
            },
        })
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.lock().remove(key);
        Ok(())
    }

    async fn decrement(&self, key: &str, now: i64) -> Result<(), StoreError> {
        if let Some((count, expires)) = self.lock().get_mut(key) {
            if *expires > now {
                *count = (*count - 1).max(0);
            }
        }
        Ok(())
    }

    async fn take_token(
        &self,
        key: &str,
        per_minute: u32,
        burst: u32,
        now_ms: i64,
    ) -> Result<Option<u64>, StoreError> {
        let gcra = Gcra::new(per_minute, burst);
        let mut entries = self.lock();
        self.make_room(&mut entries, key, now_ms / 1000)?;
        let tat = entries.get(key).map(|(tat, _)| *tat);
        match gcra.take(tat, now_ms) {
            Ok(new_tat) => {
                entries.insert(key.to_owned(), (new_tat, new_tat / 1000 + 1));
                Ok(None)
            }
            Err(wait_ms) => Ok(Some(Gcra::wait_seconds(wait_ms))),
        }
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_window_counts_then_resets_after_it_expires() {
        let counters = MemoryCounters::new();
        assert_eq!(
            counters.increment("k", 60, 1000).await.unwrap(),
            Window {
                count: 1,
                resets_in: 60
            }
        );
        assert_eq!(
            counters.increment("k", 60, 1010).await.unwrap(),
            Window {
                count: 2,
                resets_in: 50
            }
        );
        assert_eq!(counters.peek("k", 1059).await.unwrap().count, 2);
        assert_eq!(counters.peek("k", 1060).await.unwrap().count, 0);
        assert_eq!(counters.increment("k", 60, 1060).await.unwrap().count, 1);
        counters.reset("k").await.unwrap();
        assert_eq!(counters.peek("k", 1061).await.unwrap().count, 0);
    }

    #[tokio::test]
    async fn a_full_table_refuses_new_keys_and_keeps_every_live_count() {
        let counters = MemoryCounters::with_capacity(3);
        for _ in 0..5 {
            counters.increment("lockout", 900, 1000).await.unwrap();
        }
        counters.increment("b", 900, 1000).await.unwrap();
        counters.increment("c", 900, 1000).await.unwrap();
        assert!(counters.increment("flood-1", 900, 1001).await.is_err());
        assert!(counters
            .take_token("flood-2", 30, 30, 1_001_000)
            .await
            .is_err());
        assert_eq!(counters.peek("lockout", 1001).await.unwrap().count, 5);
        // Once counts expire, their room is given to new keys.
        counters.increment("later", 900, 1900).await.unwrap();
        assert_eq!(counters.peek("lockout", 1900).await.unwrap().count, 0);
    }

    #[tokio::test]
    async fn a_decrement_takes_one_back_and_never_goes_below_zero() {
        let counters = MemoryCounters::new();
        counters.increment("k", 60, 1000).await.unwrap();
        counters.decrement("k", 1001).await.unwrap();
        counters.decrement("k", 1001).await.unwrap();
        assert_eq!(counters.peek("k", 1001).await.unwrap().count, 0);
        assert_eq!(counters.increment("k", 60, 1002).await.unwrap().count, 1);
    }

    #[tokio::test]
    async fn gcra_allows_a_burst_then_one_per_interval() {
        let counters = MemoryCounters::new();
        let now = 1_000_000;
        for _ in 0..30 {
            assert_eq!(counters.take_token("ip", 30, 30, now).await.unwrap(), None);
        }
        let wait = counters.take_token("ip", 30, 30, now).await.unwrap();
        assert_eq!(wait, Some(2));
        // One interval (2 s at 30/min) later, one more request fits.
        assert_eq!(
            counters
                .take_token("ip", 30, 30, now + 2_000)
                .await
                .unwrap(),
            None
        );
        assert!(counters
            .take_token("ip", 30, 30, now + 2_000)
            .await
            .unwrap()
            .is_some());
    }
}
