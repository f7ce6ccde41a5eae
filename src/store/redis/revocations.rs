//! Revocation facts in Redis: two sorted sets of the same members (the fact as JSON), one
//! scored by `until` (what is live) and one by `seq` (what is new), trimmed of expired
//! facts by every write, plus a pub/sub channel so other instances learn a fact at once.

use std::sync::Arc;

use async_trait::async_trait;
use redis::Script;

use super::RedisConnection;
use crate::revocation::{Fact, Revoked};
use crate::store::{RevocationStore, StoreError};

/// KEYS: by-until, by-seq, the counter. ARGV: the fact's JSON after its `seq`, until, now,
/// the channel. Numbers the fact, stores it in both sets, drops what has expired, keeps
/// both sets alive as long as their longest fact, and publishes it.
const RECORD: &str = r#"
local seq = redis.call('INCR', KEYS[3])
local member = '{"seq":' .. seq .. ',' .. ARGV[1]
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
for _, old in ipairs(expired) do redis.call('ZREM', KEYS[2], old) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], member)
redis.call('ZADD', KEYS[2], seq, member)
local ttl = tonumber(ARGV[2]) - tonumber(ARGV[3]) + 1
for i = 1, 2 do
  if redis.call('TTL', KEYS[i]) < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
end
redis.call('PUBLISH', ARGV[4], member)
return seq
"#;

/// KEYS: by-until, by-seq. ARGV: since, now. The live facts above `since`.
const SINCE: &str = r"
local live = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf')) do
  live[member] = true
end
local out = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')) do
  if live[member] then table.insert(out, member) end
end
return out
";

pub struct RedisRevocations {
    redis: Arc<RedisConnection>,
    record: Script,
    since: Script,
}

/// The fact's fields after `seq`, as the script completes them.
#[derive(serde::Serialize)]
struct Body {
    #[serde(flatten)]
    revoked: Revoked,
    until: i64,
}

impl RedisRevocations {
    pub fn new(redis: Arc<RedisConnection>) -> Self {
        Self {
            redis,
            record: Script::new(RECORD),
            since: Script::new(SINCE),
        }
    }

    /// One hash tag for the three keys, so a cluster keeps them in one slot.
    fn key(&self, name: &str) -> String {
        self.redis.key("rev", &format!("{{revocations}}:{name}"))
    }

    fn channel(&self) -> String {
        self.redis.key("rev", "news")
    }
}

fn parse(member: &str) -> Result<Fact, StoreError> {
    serde_json::from_str(member)
        .map_err(|_| StoreError::Corrupt("revocation fact in redis".to_owned()))
}

#[async_trait]
impl RevocationStore for RedisRevocations {
    async fn record(&self, revoked: Revoked, until: i64, now: i64) -> Result<Fact, StoreError> {
        let body = serde_json::to_string(&Body { revoked, until })
            .map_err(|e| StoreError::unavailable(anyhow::anyhow!("serializing a fact: {e}")))?;
        let mut invocation = self.record.prepare_invoke();
        invocation
            .key(self.key("until"))
            .key(self.key("seq"))
            .key(self.key("counter"))
            .arg(&body[1..])
            .arg(until)
            .arg(now)
            .arg(self.channel());
        let seq: u64 = self.redis.invoke(&invocation).await?;
        Ok(Fact {
            seq,
            revoked,
            until,
        })
    }

    async fn since(&self, since: u64, now: i64) -> Result<Vec<Fact>, StoreError> {
        let mut invocation = self.since.prepare_invoke();
        invocation
            .key(self.key("until"))
            .key(self.key("seq"))
            .arg(since)
            .arg(now);
        let members: Vec<String> = self.redis.invoke(&invocation).await?;
        members.iter().map(|member| parse(member)).collect()
    }

    async fn last_seq(&self) -> Result<u64, StoreError> {
        let key = self.key("counter");
        let last: Option<u64> = self.redis.get(&key).await?;
        Ok(last.unwrap_or(0))
    }

    fn pushes(&self) -> bool {
        true
    }

    async fn listen(&self, deliver: &(dyn Fn(Fact) + Send + Sync)) -> Result<(), StoreError> {
        self.redis
            .listen(&self.channel(), &mut |payload: &str| match parse(payload) {
                Ok(fact) => deliver(fact),
                Err(_) => log::warn!("a revocation message that is not a fact was ignored"),
            })
            .await
    }
}
