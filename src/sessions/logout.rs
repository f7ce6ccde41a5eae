//! Ending sessions: one (logout), or every one of a user (logout-all).

use uuid::Uuid;

use super::{SessionError, Sessions};
use crate::metrics::Revocation;
use crate::revocation::Revoked;
use crate::tokens::{AccessClaims, RefreshClaims};

impl Sessions {
    /// Revokes the session of `claims` until it could no longer be refreshed anyway.
    pub async fn log_out(&self, claims: &RefreshClaims, now: i64) -> Result<(), SessionError> {
        let until = claims
            .session()
            .ends_at(&self.policy)
            .saturating_add(self.policy.leeway);
        self.denylist.revoke_session(claims.sid, until, now).await?;
        self.revoke_access(Revoked::Session { sid: claims.sid }, now)
            .await?;
        self.metrics.count_revocation(Revocation::Logout);
        log::info!(
            "logout of user {}: session {} revoked",
            claims.sub,
            claims.sid
        );
        Ok(())
    }

    /// Revokes the session an access token belongs to (RFC 7009 revocation of an access
    /// token): its session began no later than the token's `iat`, so it ends by
    /// `iat` + `AUTHD_SESSION_TTL`.
    pub async fn revoke_session_of(
        &self,
        claims: &AccessClaims,
        now: i64,
    ) -> Result<(), SessionError> {
        let until = claims
            .iat
            .saturating_add(self.policy.session_ttl)
            .saturating_add(self.policy.leeway);
        self.denylist.revoke_session(claims.sid, until, now).await?;
        self.revoke_access(Revoked::Session { sid: claims.sid }, now)
            .await?;
        self.metrics
            .count_revocation(Revocation::AccessTokenRevoked);
        log::info!(
            "revocation of an access token of user {}: session {} revoked",
            claims.sub,
            claims.sid
        );
        Ok(())
    }

    /// Bumps the user's token generation: every refresh token issued before is rejected,
    /// and every access token issued before, through a revocation fact.
    pub async fn log_out_everywhere(&self, user: Uuid, now: i64) -> Result<(), SessionError> {
        self.users.bump_generation(user).await?;
        let gen = self.current_generation(user).await?;
        self.revoke_access(Revoked::User { sub: user, gen }, now)
            .await?;
        self.metrics.count_revocation(Revocation::LogoutAll);
        log::info!("logout-all of user {user}");
        Ok(())
    }
}
