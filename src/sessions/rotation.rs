//! Refresh: the presented refresh token is checked, then retired and replaced in one atomic
//! store step; a retired token presented again is a replay that revokes its session.

use super::{issue_token_pair, SessionError, Sessions};
use crate::domain::ClientId;
use crate::keys::KeyRing;
use crate::store::{Retirement, Rotation};
use crate::tokens::{verify_refresh_token, RefreshCheck, RefreshClaims, TokenPair};

impl Sessions {
    /// The claims of a presented refresh token, as of `now`.
    pub fn verify_refresh(
        &self,
        ring: &KeyRing,
        token: &str,
        now: i64,
        check: RefreshCheck,
    ) -> Result<RefreshClaims, SessionError> {
        verify_refresh_token(ring, &self.policy, token, now, check).map_err(|err| {
            log::debug!("refresh token rejected: {err}");
            SessionError::InvalidGrant
        })
    }

    /// Re-reads the user, mints the successor pair and retires the presented token in one
    /// atomic store step. A deleted user or a bumped generation ends every older token, and
    /// new roles reach the next access token, which is issued to `client`.
    pub async fn rotate(
        &self,
        ring: &KeyRing,
        claims: &RefreshClaims,
        client: &ClientId,
        now: i64,
    ) -> Result<TokenPair, SessionError> {
        let policy = &self.policy;
        let user = self
            .users
            .by_id(claims.sub)
            .await?
            .filter(|user| user.generation == claims.gen)
            .ok_or(SessionError::InvalidGrant)?;
        let session = claims.session();
        let (pair, _) = issue_token_pair(ring, policy, &user, session, client, now)?;
        let successor = (policy.reuse_grace > 0)
            .then(|| serde_json::to_string(&pair).map(|json| (json, now + policy.reuse_grace)))
            .transpose()
            .map_err(SessionError::CorruptSuccessor)?;
        let retirement = Retirement {
            jti: claims.jti,
            sid: claims.sid,
            jti_expires_at: claims.exp.saturating_add(policy.leeway),
            session_expires_at: session.ends_at(policy).saturating_add(policy.leeway),
            successor,
        };
        match self.denylist.rotate(&retirement, now).await? {
            Rotation::Rotated => Ok(pair),
            Rotation::Reused(json) => {
                serde_json::from_str(&json).map_err(SessionError::CorruptSuccessor)
            }
            Rotation::Replayed => {
                log::warn!(
                    "refresh token replayed for user {}: session {} revoked",
                    claims.sub,
                    claims.sid
                );
                Err(SessionError::InvalidGrant)
            }
            Rotation::SessionRevoked => Err(SessionError::InvalidGrant),
        }
    }
}
