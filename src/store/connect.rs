//! Choosing the stores, once, from the database and Redis settings.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::{
    CounterStore, MemoryCounters, PostgresStore, RedisConnection, RedisCounters, RedisDenylist,
    RedisRevocations, RefreshDenylist, RevocationStore, SqliteStore, UserStore,
};
use crate::settings::{DatabaseSettings, RedisSettings};

/// The user store named by `AUTHD_DATABASE_URL`, migrated.
pub async fn connect_user_store(database: &DatabaseSettings) -> anyhow::Result<Arc<dyn UserStore>> {
    Ok(connect_database(database).await?.users)
}

/// What the database of `AUTHD_DATABASE_URL` keeps: the users, and (when no Redis is
/// configured) the durable denylist and the revocation facts.
pub struct Database {
    pub users: Arc<dyn UserStore>,
    pub denylist: Arc<dyn RefreshDenylist>,
    pub revocations: Arc<dyn RevocationStore>,
}

/// The stores of `AUTHD_DATABASE_URL`, migrated.
pub async fn connect_database(database: &DatabaseSettings) -> anyhow::Result<Database> {
    let url = database.url.as_str();
    let max = database.max_connections;
    if url.starts_with("sqlite:") {
        let store = Arc::new(SqliteStore::connect(url, max).await?);
        Ok(Database {
            users: store.clone(),
            denylist: store.clone(),
            revocations: store,
        })
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = Arc::new(PostgresStore::connect(url, max).await?);
        Ok(Database {
            users: store.clone(),
            denylist: store.clone(),
            revocations: store,
        })
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
    pub revocations: Arc<dyn RevocationStore>,
}

/// Users from `AUTHD_DATABASE_URL`; the denylist and counters in Redis when
/// `AUTHD_REDIS_URL` is set (shared by every instance), else the database's durable
/// denylist and counters in memory. A Redis that is down now is not an error.
pub async fn connect_stores(
    database: &DatabaseSettings,
    redis: &RedisSettings,
) -> anyhow::Result<Stores> {
    let db = connect_database(database)
        .await
        .context("AUTHD_DATABASE_URL")?;
    let Some(url) = redis.url.as_deref() else {
        return Ok(Stores {
            users: db.users,
            denylist: db.denylist,
            counters: Arc::new(MemoryCounters::new()),
            revocations: db.revocations,
        });
    };
    let timeout = Duration::from_secs(redis.timeout);
    let connection =
        RedisConnection::open(url, &redis.prefix, timeout).context("AUTHD_REDIS_URL")?;
    Ok(Stores {
        users: db.users,
        denylist: Arc::new(RedisDenylist::new(connection.clone())),
        counters: Arc::new(RedisCounters::new(connection.clone())),
        revocations: Arc::new(RedisRevocations::new(connection)),
    })
}
