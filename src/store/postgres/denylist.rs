//! The durable denylist in PostgreSQL, used when no Redis is configured: the statements of
//! the shared rotation in this dialect.

use async_trait::async_trait;
use uuid::Uuid;

use super::PostgresStore;
use crate::store::rotation::SqlDenylist;
use crate::store::sql::{
    DENYLIST_PING, FORGET_OLDER_SUCCESSORS, IS_REVOKED, RETIRE_IF_LIVE, SUCCESSOR,
};
use crate::store::{Retirement, StoreError};

/// Most expired rows one write prunes, so a write never pays for a long backlog at once.
const PRUNE_BATCH: i64 = 1_000;

#[async_trait]
impl SqlDenylist for PostgresStore {
    async fn retire_if_live(&self, r: &Retirement, now: i64) -> Result<bool, StoreError> {
        let (successor, successor_expires_at) = r.successor_columns();
        let inserted = sqlx::query(RETIRE_IF_LIVE)
            .bind(r.jti)
            .bind(r.sid)
            .bind(r.jti_expires_at)
            .bind(successor)
            .bind(successor_expires_at)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(inserted == 1)
    }

    async fn is_revoked(&self, sid: Uuid, now: i64) -> Result<bool, StoreError> {
        let row = sqlx::query(IS_REVOKED)
            .bind(sid)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn successor(&self, jti: Uuid, now: i64) -> Result<Option<String>, StoreError> {
        let pair: Option<Option<String>> = sqlx::query_scalar(SUCCESSOR)
            .bind(jti)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(pair.flatten())
    }

    async fn forget_older_successors(&self, sid: Uuid, jti: Uuid) -> Result<(), StoreError> {
        sqlx::query(FORGET_OLDER_SUCCESSORS)
            .bind(sid)
            .bind(jti)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn revoke(&self, sid: Uuid, expires_at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO revoked_sessions (sid, expires_at) VALUES ($1, $2) \
             ON CONFLICT (sid) DO UPDATE \
             SET expires_at = GREATEST(revoked_sessions.expires_at, EXCLUDED.expires_at)",
        )
        .bind(sid)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Many instances prune at once here, so each takes only rows nobody else has locked
    /// (SKIP LOCKED): prunes never wait on each other and cannot deadlock.
    async fn prune(&self, now: i64) -> Result<(), StoreError> {
        for statement in [
            "DELETE FROM retired_refresh_tokens WHERE jti IN (SELECT jti FROM retired_refresh_tokens \
             WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
            "DELETE FROM revoked_sessions WHERE sid IN (SELECT sid FROM revoked_sessions \
             WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
            "UPDATE retired_refresh_tokens SET successor = NULL, successor_expires_at = NULL \
             WHERE jti IN (SELECT jti FROM retired_refresh_tokens \
             WHERE successor IS NOT NULL AND successor_expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        ] {
            sqlx::query(statement)
                .bind(now)
                .bind(PRUNE_BATCH)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query(DENYLIST_PING).execute(&self.pool).await?;
        Ok(())
    }
}
