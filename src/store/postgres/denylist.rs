//! The durable denylist in PostgreSQL, used when no Redis is configured.

use async_trait::async_trait;
use uuid::Uuid;

use super::PostgresStore;
use crate::store::{RefreshDenylist, Retirement, Rotation, StoreError};

/// Most expired rows one write prunes, so a write never pays for a long backlog at once.
const PRUNE_BATCH: i64 = 1_000;

#[async_trait]
impl RefreshDenylist for PostgresStore {
    async fn rotate(&self, r: &Retirement, now: i64) -> Result<Rotation, StoreError> {
        let (successor, successor_expires_at) = match &r.successor {
            Some((pair, until)) => (Some(pair.as_str()), Some(*until)),
            None => (None, None),
        };
        // One statement decides the winner. Concurrent inserts of one jti wait on its
        // primary-key entry, and all but the first then do nothing: exactly one row.
        let won = sqlx::query(
            "INSERT INTO retired_refresh_tokens (jti, sid, expires_at, successor, successor_expires_at) \
             SELECT $1, $2, $3, $4, $5 \
             WHERE NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE sid = $2 AND expires_at > $6) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(r.jti)
        .bind(r.sid)
        .bind(r.jti_expires_at)
        .bind(successor)
        .bind(successor_expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if won {
            self.prune(now).await?;
            return Ok(Rotation::Rotated);
        }
        if self.is_revoked(r.sid, now).await? {
            return Ok(Rotation::SessionRevoked);
        }
        let reused: Option<String> = sqlx::query_scalar(
            "SELECT successor FROM retired_refresh_tokens \
             WHERE jti = $1 AND successor IS NOT NULL AND successor_expires_at >= $2",
        )
        .bind(r.jti)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        if let Some(pair) = reused {
            return Ok(Rotation::Reused(pair));
        }
        self.revoke_session(r.sid, r.session_expires_at, now)
            .await?;
        Ok(Rotation::Replayed)
    }

    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO revoked_sessions (sid, expires_at) VALUES ($1, $2) \
             ON CONFLICT (sid) DO UPDATE \
             SET expires_at = GREATEST(revoked_sessions.expires_at, EXCLUDED.expires_at)",
        )
        .bind(sid)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        self.prune(now).await
    }

    async fn check(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1 FROM revoked_sessions LIMIT 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl PostgresStore {
    async fn is_revoked(&self, sid: Uuid, now: i64) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM revoked_sessions WHERE sid = $1 AND expires_at > $2")
            .bind(sid)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Expired entries go as a side effect of writes, as in SQLite. Many instances prune at
    /// once here, so each takes only rows nobody else has locked (SKIP LOCKED): prunes
    /// never wait on each other and cannot deadlock.
    async fn prune(&self, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM retired_refresh_tokens WHERE jti IN (SELECT jti FROM retired_refresh_tokens \
             WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .bind(PRUNE_BATCH)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "DELETE FROM revoked_sessions WHERE sid IN (SELECT sid FROM revoked_sessions \
             WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .bind(PRUNE_BATCH)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE retired_refresh_tokens SET successor = NULL, successor_expires_at = NULL \
             WHERE jti IN (SELECT jti FROM retired_refresh_tokens \
             WHERE successor IS NOT NULL AND successor_expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .bind(PRUNE_BATCH)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
