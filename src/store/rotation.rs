//! The refresh rotation of the SQL stores, written once over the few statements each
//! backend runs in its own dialect. (Redis decides a rotation in one Lua script and the
//! memory store under one lock: their atomic steps are their own.)

use async_trait::async_trait;
use uuid::Uuid;

use super::{RefreshDenylist, Retirement, Rotation, StoreError};

/// The statements of a SQL denylist.
#[async_trait]
pub trait SqlDenylist: Send + Sync {
    /// Inserts the retired `jti` unless the session is revoked or the `jti` is already
    /// retired, in one statement; whether this call inserted it (won the rotation).
    async fn retire_if_live(&self, r: &Retirement, now: i64) -> Result<bool, StoreError>;
    async fn is_revoked(&self, sid: Uuid, now: i64) -> Result<bool, StoreError>;
    /// The successor kept for a retry of `jti`, while its grace window lasts.
    async fn successor(&self, jti: Uuid, now: i64) -> Result<Option<String>, StoreError>;
    /// Forgets the kept successors of `sid`'s tokens other than `jti`.
    async fn forget_older_successors(&self, sid: Uuid, jti: Uuid) -> Result<(), StoreError>;
    /// Revokes `sid` until `expires_at`, lengthening an earlier revocation, never shortening it.
    async fn revoke(&self, sid: Uuid, expires_at: i64) -> Result<(), StoreError>;
    /// Removes what has expired (a side effect of writes: no cleanup job).
    async fn prune(&self, now: i64) -> Result<(), StoreError>;
    async fn ping(&self) -> Result<(), StoreError>;
}

#[async_trait]
impl<S: SqlDenylist> RefreshDenylist for S {
    async fn rotate(&self, r: &Retirement, now: i64) -> Result<Rotation, StoreError> {
        // The one statement decides the winner; everything after it only explains a loss.
        if self.retire_if_live(r, now).await? {
            self.forget_older_successors(r.sid, r.jti).await?;
            self.prune(now).await?;
            return Ok(Rotation::Rotated);
        }
        if self.is_revoked(r.sid, now).await? {
            return Ok(Rotation::SessionRevoked);
        }
        if let Some(pair) = self.successor(r.jti, now).await? {
            return Ok(Rotation::Reused(pair));
        }
        self.revoke_session(r.sid, r.session_expires_at, now)
            .await?;
        Ok(Rotation::Replayed)
    }

    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError> {
        self.revoke(sid, expires_at).await?;
        self.prune(now).await
    }

    async fn purge_expired(&self, now: i64) -> Result<(), StoreError> {
        self.prune(now).await
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.ping().await
    }
}
