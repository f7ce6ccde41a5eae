//! Minting the token pair of a session: at login, and at every rotation.

use super::SessionError;
use crate::domain::ClientId;
use crate::keys::KeyRing;
use crate::store::User;
use crate::tokens::{
    issue_access_token, issue_refresh_token, RefreshClaims, Session, Subject, TokenPair,
    TokenPolicy,
};

/// A fresh access and refresh token for `user` in `session`, the access token issued to
/// `client`; `InvalidGrant` once the session's absolute lifetime is over.
pub fn issue_token_pair(
    ring: &KeyRing,
    policy: &TokenPolicy,
    user: &User,
    session: Session,
    client: &ClientId,
    now: i64,
) -> Result<(TokenPair, RefreshClaims), SessionError> {
    let subject = Subject {
        id: user.id,
        email: user.email.as_str(),
        roles: &user.roles,
        generation: user.generation,
    };
    let (access_token, expires_in) =
        issue_access_token(ring, policy, subject, session, client, now)
            .map_err(SessionError::Signing)?;
    let (claims, refresh_token) =
        issue_refresh_token(ring, policy, user.id, user.generation, session, now)
            .map_err(SessionError::Signing)?
            .ok_or(SessionError::InvalidGrant)?;
    let pair = TokenPair {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in,
        refresh_token,
        refresh_expires_in: claims.exp - now,
    };
    Ok((pair, claims))
}
