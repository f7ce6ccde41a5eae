//! The durable denylist in SQLite: the statements of the shared rotation in this dialect.

use async_trait::async_trait;
use uuid::Uuid;

use super::SqliteStore;
use crate::store::rotation::SqlDenylist;
use crate::store::sql::{
    DENYLIST_PING, FORGET_OLDER_SUCCESSORS, IS_REVOKED, RETIRE_IF_LIVE, SUCCESSOR,
};
use crate::store::{Retirement, StoreError};

#[async_trait]
impl SqlDenylist for SqliteStore {
    async fn retire_if_live(&self, r: &Retirement, now: i64) -> Result<bool, StoreError> {
        let (successor, successor_expires_at) = r.successor_columns();
        let inserted = sqlx::query(RETIRE_IF_LIVE)
            .bind(r.jti.to_string())
            .bind(r.sid.to_string())
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
            .bind(sid.to_string())
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn successor(&self, jti: Uuid, now: i64) -> Result<Option<String>, StoreError> {
        let pair: Option<Option<String>> = sqlx::query_scalar(SUCCESSOR)
            .bind(jti.to_string())
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(pair.flatten())
    }

    async fn forget_older_successors(&self, sid: Uuid, jti: Uuid) -> Result<(), StoreError> {
        sqlx::query(FORGET_OLDER_SUCCESSORS)
            .bind(sid.to_string())
            .bind(jti.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn revoke(&self, sid: Uuid, expires_at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO revoked_sessions (sid, expires_at) VALUES ($1, $2) \
             ON CONFLICT (sid) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)",
        )
        .bind(sid.to_string())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn prune(&self, now: i64) -> Result<(), StoreError> {
        for statement in [
            "DELETE FROM retired_refresh_tokens WHERE expires_at < $1",
            "DELETE FROM revoked_sessions WHERE expires_at < $1",
            "UPDATE retired_refresh_tokens SET successor = NULL, successor_expires_at = NULL \
             WHERE successor_expires_at < $1",
        ] {
            sqlx::query(statement).bind(now).execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query(DENYLIST_PING).execute(&self.pool).await?;
        Ok(())
    }
}
