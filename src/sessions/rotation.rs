//! Refresh: the presented refresh token is checked, then retired and replaced in one atomic
//! store step; a retired token presented again is a replay that revokes its session.

use super::{issue_token_pair, SessionError, Sessions};
use crate::domain::ClientId;
use crate::keys::KeyRing;
use crate::metrics::{RefreshOutcome, Revocation};
use crate::revocation::Revoked;
use crate::store::{Retirement, Rotation};
use crate::tokens::{
    open_successor, seal_successor, verify_refresh_token, RefreshCheck, RefreshClaims, TokenError,
    TokenPair,
};

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
            if let RefreshCheck::Live = check {
                self.metrics
                    .count_refresh(RefreshOutcome::of_rejected(&err));
            }
            SessionError::InvalidGrant
        })
    }

    /// Re-reads the user, mints the successor pair and retires the presented `token` (whose
    /// verified claims are `claims`) in one atomic store step. A deleted user or a bumped
    /// generation ends every older token, and new roles reach the next access token, which
    /// is issued to `client`. With a grace window the successor is kept sealed under
    /// `token`, for a retry of it.
    pub async fn rotate(
        &self,
        ring: &KeyRing,
        token: &str,
        claims: &RefreshClaims,
        client: &ClientId,
        now: i64,
    ) -> Result<TokenPair, SessionError> {
        let policy = &self.policy;
        let user = self
            .users
            .by_id(claims.sub)
            .await
            .inspect_err(|_| self.metrics.count_refresh(RefreshOutcome::Unavailable))?
            .filter(|user| user.generation == claims.gen)
            .ok_or_else(|| self.refused(RefreshOutcome::Revoked))?;
        let session = claims.session();
        let (pair, successor_claims) = issue_token_pair(ring, policy, &user, session, client, now)?;
        let successor = (policy.reuse_grace > 0)
            .then(|| seal_successor(token, &pair).map(|sealed| (sealed, now + policy.reuse_grace)))
            .map(|sealed| sealed.ok_or(SessionError::Signing(TokenError::NoSigningKey)))
            .transpose()?;
        let retirement = Retirement {
            jti: claims.jti,
            sid: claims.sid,
            jti_expires_at: claims.exp.saturating_add(policy.leeway),
            session_expires_at: session.ends_at(policy).saturating_add(policy.leeway),
            successor,
            attempt: successor_claims.jti,
        };
        let rotation = match self.denylist.rotate(&retirement, now).await {
            Ok(rotation) => rotation,
            Err(err) => {
                self.metrics.count_refresh(RefreshOutcome::Unavailable);
                self.take_back_in_background(retirement);
                return Err(err.into());
            }
        };
        match rotation {
            Rotation::Rotated => {
                self.metrics.count_refresh(RefreshOutcome::Rotated);
                Ok(pair)
            }
            Rotation::Reused(sealed) => {
                self.metrics.count_refresh(RefreshOutcome::Grace);
                open_successor(token, &sealed).ok_or(SessionError::CorruptSuccessor)
            }
            Rotation::Replayed => {
                self.metrics.count_refresh(RefreshOutcome::Replay);
                self.metrics.count_revocation(Revocation::Replay);
                let session = Revoked::Session { sid: claims.sid };
                if let Err(err) = self.revoke_access(session, now).await {
                    // The refresh is refused whatever happens; its access tokens live on
                    // here until their exp, as before instant revocation.
                    log::error!("recording the revocation of replayed session: {err}");
                }
                log::warn!(
                    "refresh token replayed for user {}: session {} revoked",
                    claims.sub,
                    claims.sid
                );
                Err(SessionError::InvalidGrant)
            }
            Rotation::SessionRevoked => Err(self.refused(RefreshOutcome::Revoked)),
        }
    }

    /// Counts a refused refresh; the client hears only `invalid_grant`.
    fn refused(&self, outcome: RefreshOutcome) -> SessionError {
        self.metrics.count_refresh(outcome);
        SessionError::InvalidGrant
    }

    /// After a failed rotation the store may still run it (Redis executes a script already
    /// sent once it wakes from a stall): take it back, so the client's retry with the same
    /// token rotates afresh rather than counting as a replay. Tried for a while, since the
    /// store may be down now; a few more times after it first answers, in case the stalled
    /// script is still queued behind.
    fn take_back_in_background(&self, retirement: Retirement) {
        let denylist = self.denylist.clone();
        tokio::spawn(async move {
            let mut answered = 0;
            for _ in 0..ABANDON_TRIES {
                if denylist.abandon(&retirement).await.is_ok() {
                    answered += 1;
                    if answered == ABANDON_CONFIRMATIONS {
                        return;
                    }
                }
                tokio::time::sleep(ABANDON_PAUSE).await;
            }
            log::warn!(
                "could not take back an unanswered rotation of session {}",
                retirement.sid
            );
        });
    }
}

const ABANDON_TRIES: u32 = 60;
const ABANDON_CONFIRMATIONS: u32 = 3;
const ABANDON_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);
