//! Throttling: per-IP request rates and per-(account, client) failed-login counts, over a
//! [`crate::store::CounterStore`]. Knows nothing of HTTP: `crate::http` resolves the client
//! and maps a [`ThrottleError`] to 429 or 503.

mod client_ip;
mod limits;

pub use client_ip::{client_bucket, client_ip};
pub use limits::{Attempter, Throttle, ThrottleError, ACCOUNT_MAX_FAILURES};
