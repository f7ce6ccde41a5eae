//! Stores: users (the truth), the refresh-token denylist and the rate counters (short-lived
//! state that expires by itself). One trait each, one implementation per backend, chosen
//! once at start-up; the rest of the server does not know which one it has.

mod connect;
mod counters;
mod denylist;
mod gcra;
mod memory;
mod postgres;
mod redis;
pub(crate) mod revocations;
mod rotation;
mod sql;
mod sqlite;
mod user;

pub use connect::{connect_database, connect_stores, connect_user_store, Database, Stores};
pub use counters::{CounterStore, MemoryCounters, Window};
pub use denylist::{RefreshDenylist, Retirement, Rotation};
pub use memory::{MemoryDenylist, MemoryUserStore};
pub use postgres::PostgresStore;
pub use redis::{RedisConnection, RedisCounters, RedisDenylist, RedisRevocations};
pub use revocations::{MemoryRevocations, RevocationStore};
pub use sqlite::SqliteStore;
pub use user::{InsertUserError, NewUser, User, UserStore};

/// A store could not answer. `Unavailable` (down, timed out) fails the request closed with
/// 503; `Corrupt` is a stored value that does not decode, never hidden behind a default.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0:#}")]
    Unavailable(#[source] anyhow::Error),
    #[error("corrupt stored {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        StoreError::Unavailable(cause.into())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Unavailable(err.into())
    }
}
