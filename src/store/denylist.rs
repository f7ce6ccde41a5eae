//! The refresh-token denylist: retired `jti`s and revoked sessions, each remembered only
//! until the tokens it covers expire.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreError;

/// The refresh token being retired by a refresh.
#[derive(Debug, Clone)]
pub struct Retirement {
    pub jti: Uuid,
    pub sid: Uuid,
    /// Unix seconds until which the retired `jti` must be remembered (`exp` + leeway).
    pub jti_expires_at: i64,
    /// Unix seconds until which a revoked `sid` must be remembered (session end + leeway).
    pub session_expires_at: i64,
    /// The successor pair (serialized) and until when a retry may receive it again; `None`
    /// without grace.
    pub successor: Option<(String, i64)>,
    /// This rotation attempt (the successor refresh token's `jti`), so that an attempt
    /// whose answer was lost to a timeout can be taken back ([`RefreshDenylist::abandon`]).
    pub attempt: Uuid,
}

impl Retirement {
    /// The successor and its expiry as two nullable columns.
    pub fn successor_columns(&self) -> (Option<&str>, Option<i64>) {
        match &self.successor {
            Some((pair, until)) => (Some(pair.as_str()), Some(*until)),
            None => (None, None),
        }
    }
}

/// What a rotation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// This request retired the token: its successor is the new pair.
    Rotated,
    /// A retry of the session's newest retired token within the grace window: here is the
    /// successor already minted (sealed, as stored).
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
    /// Takes back the rotation `retirement.attempt` if the store ran it after the caller
    /// stopped waiting (a timeout answered 503): the client's retry then rotates afresh
    /// instead of counting as a replay. Stores whose operations cannot outlive the caller's
    /// wait have nothing to take back.
    async fn abandon(&self, _retirement: &Retirement) -> Result<(), StoreError> {
        Ok(())
    }
    /// Revokes a session until `expires_at`.
    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError>;
    /// Removes what has expired, kept successors first; run on a timer so that even an
    /// idle instance keeps nothing past its time. Stores whose keys expire by themselves
    /// (Redis) have nothing to do.
    async fn purge_expired(&self, _now: i64) -> Result<(), StoreError> {
        Ok(())
    }
    async fn check(&self) -> Result<(), StoreError>;
}
