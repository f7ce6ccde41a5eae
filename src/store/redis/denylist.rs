//! The refresh-token denylist in Redis: one Lua script decides each rotation atomically.

use std::sync::Arc;

use async_trait::async_trait;
use redis::Script;
use uuid::Uuid;

use super::{ttl, RedisConnection};
use crate::store::{RefreshDenylist, Retirement, Rotation, StoreError};

/// KEYS: revoked-sid, retired-jti, the session's successor. ARGV: jti TTL, session TTL,
/// sealed successor pair (empty without grace), successor TTL, jti. Redis runs a script
/// alone, so of N concurrent rotations of one jti, on any number of instances, exactly one
/// sees the `SET NX` succeed. The session keeps one successor, `<jti> <sealed pair>`, so
/// only its newest retired token may be answered with it.
const ROTATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return {'revoked'} end
if redis.call('SET', KEYS[2], ARGV[6], 'NX', 'EX', ARGV[1]) then
  if ARGV[3] ~= '' then
    redis.call('SET', KEYS[3], ARGV[5] .. ' ' .. ARGV[3], 'EX', ARGV[4])
  else
    redis.call('DEL', KEYS[3])
  end
  return {'rotated'}
end
local kept = redis.call('GET', KEYS[3])
local prefix = ARGV[5] .. ' '
if kept and string.sub(kept, 1, #prefix) == prefix then
  return {'reused', string.sub(kept, #prefix + 1)}
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
return {'replayed'}
";

/// KEYS: retired-jti, the session's successor. ARGV: attempt, jti. Undoes the rotation of
/// that attempt only: a later rotation by the client's retry is another attempt.
const ABANDON: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
local kept = redis.call('GET', KEYS[2])
local prefix = ARGV[2] .. ' '
if kept and string.sub(kept, 1, #prefix) == prefix then redis.call('DEL', KEYS[2]) end
return 1
";

/// KEYS: revoked-sid. ARGV: TTL. A revocation is lengthened, never shortened.
const REVOKE: &str = r"
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
end
return 1
";

pub struct RedisDenylist {
    redis: Arc<RedisConnection>,
    rotate: Script,
    abandon: Script,
    revoke: Script,
}

impl RedisDenylist {
    pub fn new(redis: Arc<RedisConnection>) -> Self {
        Self {
            redis,
            rotate: Script::new(ROTATE),
            abandon: Script::new(ABANDON),
            revoke: Script::new(REVOKE),
        }
    }

    /// The sid is a hash tag (`{…}`) in every key of a rotation, so they all land in one
    /// slot should this ever run on Redis Cluster, where a script may touch only one slot.
    fn sid_key(&self, sid: Uuid) -> String {
        self.redis.key("sid", &format!("{{{sid}}}"))
    }

    fn jti_key(&self, sid: Uuid, jti: Uuid) -> String {
        self.redis.key("rt", &format!("{{{sid}}}:{jti}"))
    }

    fn successor_key(&self, sid: Uuid) -> String {
        self.redis.key("succ", &format!("{{{sid}}}"))
    }
}

/// The rotation the script's reply names. Any other reply is an error, never a verdict: a
/// script and a server out of step must fail closed as unavailable, not count as a replay.
fn rotation_from(reply: &[String]) -> Result<Rotation, StoreError> {
    match reply {
        [word] if word == "rotated" => Ok(Rotation::Rotated),
        [word] if word == "revoked" => Ok(Rotation::SessionRevoked),
        [word] if word == "replayed" => Ok(Rotation::Replayed),
        [word, pair] if word == "reused" => Ok(Rotation::Reused(pair.clone())),
        other => Err(StoreError::unavailable(anyhow::anyhow!(
            "redis rotate script answered {other:?}"
        ))),
    }
}

#[async_trait]
impl RefreshDenylist for RedisDenylist {
    async fn rotate(&self, r: &Retirement, now: i64) -> Result<Rotation, StoreError> {
        // The SQL stores keep a jti while `expires_at >= now` and a successor while
        // `until >= now`, hence the extra second; a sid is revoked while `expires_at > now`.
        let (pair, successor_ttl) = match &r.successor {
            Some((pair, until)) => (pair.as_str(), ttl(until.saturating_add(1), now)),
            None => ("", 1),
        };
        let mut invocation = self.rotate.prepare_invoke();
        invocation
            .key(self.sid_key(r.sid))
            .key(self.jti_key(r.sid, r.jti))
            .key(self.successor_key(r.sid))
            .arg(ttl(r.jti_expires_at.saturating_add(1), now))
            .arg(ttl(r.session_expires_at, now))
            .arg(pair)
            .arg(successor_ttl)
            .arg(r.jti.to_string())
            .arg(r.attempt.to_string());
        let reply: Vec<String> = self.redis.invoke(&invocation).await?;
        rotation_from(&reply)
    }

    async fn abandon(&self, r: &Retirement) -> Result<(), StoreError> {
        let mut invocation = self.abandon.prepare_invoke();
        invocation
            .key(self.jti_key(r.sid, r.jti))
            .key(self.successor_key(r.sid))
            .arg(r.attempt.to_string())
            .arg(r.jti.to_string());
        let _: i64 = self.redis.invoke(&invocation).await?;
        Ok(())
    }

    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError> {
        let mut invocation = self.revoke.prepare_invoke();
        invocation.key(self.sid_key(sid)).arg(ttl(expires_at, now));
        let _: i64 = self.redis.invoke(&invocation).await?;
        Ok(())
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.redis.ping().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn each_answer_of_the_script_is_its_rotation() {
        for (words, rotation) in [
            (&["rotated"][..], Rotation::Rotated),
            (&["revoked"], Rotation::SessionRevoked),
            (&["replayed"], Rotation::Replayed),
            (
                &["reused", "{\"pair\":1}"],
                Rotation::Reused("{\"pair\":1}".into()),
            ),
        ] {
            assert_eq!(rotation_from(&reply(words)).unwrap(), rotation, "{words:?}");
        }
    }

    #[test]
    fn any_other_answer_is_an_error_not_a_verdict() {
        for words in [
            &[][..],
            &["replayed!"],
            &["Rotated"],
            &["reused"],
            &["replayed", "extra"],
            &["rotated", "extra"],
            &["revoked", "extra"],
            &["something", "pair"],
            &["reused", "pair", "extra"],
        ] {
            assert!(
                matches!(
                    rotation_from(&reply(words)),
                    Err(StoreError::Unavailable(_))
                ),
                "{words:?}"
            );
        }
    }
}
