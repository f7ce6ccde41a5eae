//! Minting the token pair of a session: at login, and at every rotation.

use crate::error::ApiError;
use crate::keys::KeyRing;
use crate::store::User;
use crate::tokens::{
    issue_access_token, issue_refresh_token, RefreshClaims, Session, TokenPair, TokenPolicy,
};

/// A fresh access and refresh token for `user` in `session`; `InvalidGrant` once the
/// session's absolute lifetime is over.
pub fn issue_token_pair(
    ring: &KeyRing,
    policy: &TokenPolicy,
    user: &User,
    session: Session,
    now: i64,
) -> Result<(TokenPair, RefreshClaims), ApiError> {
    let subject = crate::tokens::access::Subject {
        id: user.id,
        email: &user.email,
        roles: &user.roles,
    };
    let (access_token, expires_in) = issue_access_token(ring, policy, subject, session, now)
        .map_err(|e| ApiError::Internal(format!("signing an access token: {e}")))?;
    let (claims, refresh_token) =
        issue_refresh_token(ring, policy, user.id, user.generation, session, now)
            .map_err(|e| ApiError::Internal(format!("signing a refresh token: {e}")))?
            .ok_or(ApiError::InvalidGrant)?;
    let pair = TokenPair {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in,
        refresh_token,
        refresh_expires_in: claims.exp - now,
    };
    Ok((pair, claims))
}
