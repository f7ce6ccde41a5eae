//! Refresh tokens: `typ` `rt+jwt`, `aud` `<issuer>/refresh`, HS256 under a MAC key derived
//! by HKDF from the key file the `kid` names. Never verifiable through the JWKS.

use jsonwebtoken::{Algorithm, Header};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::strict_validation;
use super::header::check_header;
use super::{check_times, Session, TokenError, TokenPolicy};
use crate::keys::KeyRing;

pub(crate) const REFRESH_TYP: &str = "rt+jwt";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefreshClaims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub sid: Uuid,
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
    /// Unix seconds of the session's login.
    pub auth_time: i64,
    /// The user's token generation when this was issued (see logout-all).
    pub gen: i64,
}

impl RefreshClaims {
    pub fn session(&self) -> Session {
        Session {
            sid: self.sid,
            auth_time: self.auth_time,
        }
    }
}

/// Whether expiry matters: refresh needs a live token, logout accepts an expired one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshCheck {
    Live,
    SignatureOnly,
}

/// Signs a refresh token for `user` in `session`; `None` when the session has ended.
pub fn issue_refresh_token(
    ring: &KeyRing,
    policy: &TokenPolicy,
    user: Uuid,
    generation: i64,
    session: Session,
    now: i64,
) -> Result<Option<(RefreshClaims, String)>, TokenError> {
    let exp = now
        .saturating_add(policy.refresh_ttl)
        .min(session.ends_at(policy));
    if exp <= now {
        return Ok(None);
    }
    let key = ring.signing_key(now).ok_or(TokenError::NoSigningKey)?;
    let secrets = key.secrets.as_ref().ok_or(TokenError::NoSigningKey)?;
    let claims = RefreshClaims {
        iss: policy.issuer.clone(),
        aud: policy.refresh_audience(),
        sub: user,
        sid: session.sid,
        jti: Uuid::new_v4(),
        iat: now,
        exp,
        auth_time: session.auth_time,
        gen: generation,
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.kid.clone());
    header.typ = Some(REFRESH_TYP.to_owned());
    let token = jsonwebtoken::encode(&header, &claims, &secrets.refresh_encoding)
        .map_err(|e| TokenError::Signing(e.to_string()))?;
    Ok(Some((claims, token)))
}

/// Verifies a refresh token as of `now`.
pub fn verify_refresh_token(
    ring: &KeyRing,
    policy: &TokenPolicy,
    token: &str,
    now: i64,
    check: RefreshCheck,
) -> Result<RefreshClaims, TokenError> {
    let header = check_header(token, REFRESH_TYP)?;
    if header.alg != Algorithm::HS256 {
        return Err(TokenError::WrongAlgorithm);
    }
    let key = ring.get(&header.kid).ok_or(TokenError::UnknownKey)?;
    let secrets = key.secrets.as_ref().ok_or(TokenError::UnknownKey)?;
    let validation =
        strict_validation(Algorithm::HS256, &policy.issuer, &policy.refresh_audience());
    let claims =
        jsonwebtoken::decode::<RefreshClaims>(token, &secrets.refresh_decoding, &validation)
            .map_err(TokenError::from_jsonwebtoken)?
            .claims;
    match check {
        RefreshCheck::Live => check_times(claims.exp, None, claims.iat, now, policy.leeway)?,
        RefreshCheck::SignatureOnly => {}
    }
    Ok(claims)
}
