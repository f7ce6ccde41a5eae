//! Rate counters in Redis, so limits hold across instances. Each update is one Lua script.

use std::sync::Arc;

use async_trait::async_trait;
use redis::Script;

use super::RedisConnection;
use crate::store::gcra::Gcra;
use crate::store::{CounterStore, StoreError, Window};

/// KEYS: counter. ARGV: window seconds. Returns the count and the seconds left; a key
/// somehow left without an expiry gets one here, so none lives forever.
const INCREMENT: &str = r"
local count = redis.call('INCR', KEYS[1])
local left = redis.call('TTL', KEYS[1])
if count == 1 or left < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
";

/// KEYS: counter. Takes one back from a live count, never below zero, keeping its TTL.
const DECREMENT: &str = r"
local count = tonumber(redis.call('GET', KEYS[1]))
if count and count > 0 then redis.call('DECR', KEYS[1]) end
return 1
";

const PEEK: &str = r"
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
local left = redis.call('TTL', KEYS[1])
if left < 0 then left = 0 end
return {tonumber(count), left}
";

/// GCRA on the caller's clock. KEYS: bucket. ARGV: now ms, interval ms, tolerance ms.
/// Returns -1 when allowed, else the milliseconds to wait. The stored theoretical arrival
/// time expires once it is in the past (plus a second of slack), when it no longer matters.
const TAKE_TOKEN: &str = r"
local now = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + tonumber(ARGV[2])
if new_tat - now > tonumber(ARGV[3]) then return new_tat - now - tonumber(ARGV[3]) end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
return -1
";

pub struct RedisCounters {
    redis: Arc<RedisConnection>,
    increment: Script,
    decrement: Script,
    peek: Script,
    take_token: Script,
}

impl RedisCounters {
    pub fn new(redis: Arc<RedisConnection>) -> Self {
        Self {
            redis,
            increment: Script::new(INCREMENT),
            decrement: Script::new(DECREMENT),
            peek: Script::new(PEEK),
            take_token: Script::new(TAKE_TOKEN),
        }
    }
}

fn window((count, left): (i64, i64)) -> Window {
    Window {
        count: count.max(0) as u64,
        resets_in: left.max(0) as u64,
    }
}

#[async_trait]
impl CounterStore for RedisCounters {
    // Redis counts windows on its own clock; `now` matters only to the memory store.
    async fn increment(
        &self,
        key: &str,
        window_secs: u64,
        _now: i64,
    ) -> Result<Window, StoreError> {
        let mut invocation = self.increment.prepare_invoke();
        invocation
            .key(self.redis.key("rl", key))
            .arg(window_secs.max(1));
        self.redis.invoke(&invocation).await.map(window)
    }

    async fn peek(&self, key: &str, _now: i64) -> Result<Window, StoreError> {
        let mut invocation = self.peek.prepare_invoke();
        invocation.key(self.redis.key("rl", key));
        self.redis.invoke(&invocation).await.map(window)
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        let key = self.redis.key("rl", key);
        self.redis
            .bounded(async {
                let mut conn = self.redis.manager().await?;
                redis::cmd("DEL")
                    .arg(&key)
                    .query_async::<i64>(&mut conn)
                    .await
            })
            .await
            .map(drop)
    }

    async fn decrement(&self, key: &str, _now: i64) -> Result<(), StoreError> {
        let mut invocation = self.decrement.prepare_invoke();
        invocation.key(self.redis.key("rl", key));
        let _: i64 = self.redis.invoke(&invocation).await?;
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
        let mut invocation = self.take_token.prepare_invoke();
        invocation
            .key(self.redis.key("gcra", key))
            .arg(now_ms)
            .arg(gcra.interval_ms)
            .arg(gcra.tolerance_ms);
        let wait_ms: i64 = self.redis.invoke(&invocation).await?;
        Ok((wait_ms >= 0).then(|| Gcra::wait_seconds(wait_ms)))
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.redis.ping().await
    }
}
