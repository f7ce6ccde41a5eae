//! Redis: the refresh-token denylist and the rate counters, shared by every instance.
//!
//! One multiplexed connection per instance ([`ConnectionManager`]), made lazily: Redis
//! unreachable at start-up is not fatal, and the manager reconnects by itself after a
//! Redis restart. Every operation is bounded by a short timeout, so a dead Redis makes
//! requests fail fast (503) instead of hanging. Every key carries an expiry.

mod counters;
mod denylist;
mod revocations;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, RedisResult, ScriptInvocation};
use tokio::sync::OnceCell;

use super::StoreError;

pub use counters::RedisCounters;
pub use denylist::RedisDenylist;
pub use revocations::RedisRevocations;

/// The shared connection, its time budget and the key prefix.
pub struct RedisConnection {
    client: redis::Client,
    manager: OnceCell<ConnectionManager>,
    timeout: Duration,
    prefix: String,
}

impl RedisConnection {
    /// Checks the URL only; the connection is made at first use, so a Redis that is down
    /// at start-up stops nothing.
    pub fn open(url: &str, prefix: &str, timeout: Duration) -> anyhow::Result<Arc<Self>> {
        let client = redis::Client::open(url).context("not a Redis URL")?;
        Ok(Arc::new(Self {
            client,
            manager: OnceCell::new(),
            timeout,
            prefix: prefix.to_owned(),
        }))
    }

    /// `{prefix}:{kind}:{id}`: deployments sharing one Redis never see each other's keys.
    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{kind}:{id}", self.prefix)
    }

    async fn manager(&self) -> RedisResult<ConnectionManager> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            // Few, quick retries: the caller's timeout bounds the wait anyway, and the
            // next request after a failure starts a fresh reconnection.
            .set_number_of_retries(1)
            .set_factor(50)
            .set_max_delay(500);
        self.manager
            .get_or_try_init(|| ConnectionManager::new_with_config(self.client.clone(), config))
            .await
            .cloned()
    }

    /// Runs `operation` within the timeout; any failure is a [`StoreError`] (503).
    async fn bounded<T, F>(&self, operation: F) -> Result<T, StoreError>
    where
        F: Future<Output = RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(result) => {
                result.map_err(|err| StoreError::unavailable(anyhow::anyhow!("redis: {err}")))
            }
            Err(_) => Err(StoreError::unavailable(anyhow::anyhow!(
                "redis did not answer within {:?}",
                self.timeout
            ))),
        }
    }

    /// EVALSHA of a script (EVAL when Redis forgot it, e.g. after a restart).
    async fn invoke<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        self.bounded(async {
            let mut conn = self.manager().await?;
            invocation.invoke_async(&mut conn).await
        })
        .await
    }

    async fn get<T: FromRedisValue>(&self, key: &str) -> Result<T, StoreError> {
        self.bounded(async {
            let mut conn = self.manager().await?;
            redis::cmd("GET").arg(key).query_async(&mut conn).await
        })
        .await
    }

    /// Subscribes to `channel` on a connection of its own and hands each message's payload
    /// to `deliver`, until that connection ends (an error: the caller subscribes again).
    async fn listen(
        &self,
        channel: &str,
        deliver: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), StoreError> {
        use futures_util::StreamExt;
        let mut pubsub = self.bounded(self.client.get_async_pubsub()).await?;
        self.bounded(pubsub.subscribe(channel)).await?;
        let mut messages = pubsub.on_message();
        while let Some(message) = messages.next().await {
            match message.get_payload::<String>() {
                Ok(payload) => deliver(&payload),
                Err(err) => log::warn!("redis message on {channel} ignored: {err}"),
            }
        }
        Err(StoreError::unavailable(anyhow::anyhow!(
            "redis: the subscription to {channel} ended"
        )))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.bounded(async {
            let mut conn = self.manager().await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await
        .map(drop)
    }
}

/// Seconds from `now` to `until`, at least 1: `SET … EX 0` is an error, and a key must
/// never be written without an expiry.
fn ttl(until: i64, now: i64) -> i64 {
    until.saturating_sub(now).max(1)
}
