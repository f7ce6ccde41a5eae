//! Throttling: per-IP request rates and per-(account, client) failed-login counts.

pub mod counters;

pub use counters::{CounterStore, MemoryCounters, Window};
