//! Stores: users (the truth) and the refresh-token denylist (short-lived state that expires
//! by itself). One trait each, one implementation per backend, chosen once at start-up.

mod memory;
mod postgres;
mod redis;
mod sqlite;

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{Email, Role};
use crate::settings::Settings;
use crate::throttle::{CounterStore, MemoryCounters};

pub use memory::MemoryDenylist;
pub use postgres::PostgresStore;
pub use redis::{RedisConnection, RedisCounters, RedisDenylist};
pub use sqlite::SqliteStore;

/// A store could not answer (down, timed out, broken); the request fails closed with 503.
#[derive(Debug, thiserror::Error)]
#[error("store unavailable: {0}")]
pub struct StoreError(#[from] pub anyhow::Error);

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError(err.into())
    }
}

/// A stored user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub roles: Vec<String>,
    /// Bumped by logout-all and password change: older refresh tokens stop working.
    pub generation: i64,
    pub created_at: DateTime<Utc>,
}

/// A user about to be created.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub created_at: DateTime<Utc>,
}

impl NewUser {
    pub fn new(email: Email, password_hash: String, roles: Vec<Role>) -> Self {
        // Microsecond precision: what both databases keep, so a read-back compares equal.
        let now = Utc::now();
        let created_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
        NewUser {
            id: Uuid::now_v7(),
            email,
            password_hash,
            roles,
            created_at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("email taken")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert(&self, user: &NewUser) -> Result<User, InsertUserError>;
    async fn by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;
    async fn by_id(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    /// Replaces the hash only if it is still `old` (an upgrade must not undo a password change).
    async fn upgrade_password_hash(&self, id: Uuid, old: &str, new: &str)
        -> Result<(), StoreError>;
    /// Sets a new password and bumps the generation.
    async fn change_password(&self, id: Uuid, new_hash: &str) -> Result<(), StoreError>;
    /// Bumps the generation: every refresh token issued before is rejected.
    async fn bump_generation(&self, id: Uuid) -> Result<(), StoreError>;
    /// Users oldest first, and how many there are.
    async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<User>, u64), StoreError>;
    async fn check(&self) -> Result<(), StoreError>;
}

/// The refresh token being retired by a refresh.
#[derive(Debug, Clone)]
pub struct Retirement {
    pub jti: Uuid,
    pub sid: Uuid,
    /// Unix seconds until which the retired `jti` must be remembered (`exp` + leeway).
    pub jti_expires_at: i64,
    /// Unix seconds until which a revoked `sid` must be remembered (session end + leeway).
    pub session_expires_at: i64,
    /// The successor pair (JSON) and until when a retry may receive it again; `None` without grace.
    pub successor: Option<(String, i64)>,
}

/// What the one atomic refresh step decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// This request retired the token: its successor is the new pair.
    Rotated,
    /// A retry within the grace window: here is the successor already minted.
    Reused(String),
    /// The token was retired already: the session is now revoked.
    Replayed,
    /// The session was revoked (logout or an earlier replay).
    SessionRevoked,
}

#[async_trait]
pub trait RefreshDenylist: Send + Sync {
    /// Checks the session and retires the `jti` as one atomic step.
    async fn rotate(&self, retirement: &Retirement, now: i64) -> Result<Rotation, StoreError>;
    /// Revokes a session until `expires_at`.
    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError>;
    async fn check(&self) -> Result<(), StoreError>;
}

/// The user store named by `AUTHD_DATABASE_URL`, migrated.
pub async fn connect_user_store(settings: &Settings) -> anyhow::Result<Arc<dyn UserStore>> {
    let (users, _) = connect_database(settings).await?;
    Ok(users)
}

/// The user store and its durable denylist, from `AUTHD_DATABASE_URL`.
pub async fn connect_database(
    settings: &Settings,
) -> anyhow::Result<(Arc<dyn UserStore>, Arc<dyn RefreshDenylist>)> {
    let url = settings.database_url.as_str();
    let max = settings.database_max_connections;
    if url.starts_with("sqlite:") {
        let store = Arc::new(SqliteStore::connect(url, max).await?);
        Ok((store.clone(), store))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = Arc::new(PostgresStore::connect(url, max).await?);
        Ok((store.clone(), store))
    } else {
        anyhow::bail!(
            "AUTHD_DATABASE_URL: unsupported database (use sqlite://PATH or postgres://…)"
        )
    }
}

/// Every store the server uses, chosen once from the settings.
pub struct Stores {
    pub users: Arc<dyn UserStore>,
    pub denylist: Arc<dyn RefreshDenylist>,
    pub counters: Arc<dyn CounterStore>,
}

/// Users from `AUTHD_DATABASE_URL`; the denylist and counters in Redis when
/// `AUTHD_REDIS_URL` is set (shared by every instance), else the database's durable
/// denylist and counters in memory. A Redis that is down now is not an error.
pub async fn connect_stores(settings: &Settings) -> anyhow::Result<Stores> {
    let (users, durable) = connect_database(settings)
        .await
        .context("AUTHD_DATABASE_URL")?;
    let Some(url) = settings.redis_url.as_deref() else {
        return Ok(Stores {
            users,
            denylist: durable,
            counters: Arc::new(MemoryCounters::new()),
        });
    };
    let timeout = std::time::Duration::from_secs(settings.redis_timeout);
    let redis =
        RedisConnection::open(url, &settings.redis_prefix, timeout).context("AUTHD_REDIS_URL")?;
    Ok(Stores {
        users,
        denylist: Arc::new(RedisDenylist::new(redis.clone())),
        counters: Arc::new(RedisCounters::new(redis)),
    })
}

pub(crate) fn roles_to_json(roles: &[Role]) -> String {
    serde_json::to_string(&roles.iter().map(Role::as_str).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

pub(crate) fn roles_from_json(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}
