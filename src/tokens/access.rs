//! Access tokens: `typ` `at+jwt`, signed by the signing key, verified offline.

use jsonwebtoken::{Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Session, TokenError, TokenPolicy};
use crate::domain::{ClientId, Role};
use crate::keys::KeyRing;

pub(crate) const ACCESS_TYP: &str = "at+jwt";

/// The claims of an access token. `sub`, `sid` and `jti` must parse as UUIDs and every
/// time is an integer, so a token that breaks a type is rejected, not half-checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    /// The client the token was issued to (RFC 9068 §2.2): required, and a string.
    pub client_id: String,
    pub email: String,
    pub roles: Vec<String>,
    pub sid: Uuid,
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The user's token generation at issue (an authd extension): a logout-all or password
    /// change ends every token below the new one. Absent (older tokens) reads as 0.
    #[serde(default)]
    pub gen: i64,
}

/// The user facts an access token carries.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub roles: &'a [Role],
    /// The user's token generation.
    pub generation: i64,
}

/// Signs a new access token for `subject` in `session`, issued to `client`, at `now`;
/// returns it and its lifetime.
pub fn issue_access_token(
    ring: &KeyRing,
    policy: &TokenPolicy,
    subject: Subject<'_>,
    session: Session,
    client: &ClientId,
    now: i64,
) -> Result<(String, i64), TokenError> {
    let key = ring.signing_key(now).ok_or(TokenError::NoSigningKey)?;
    let encoding = key.encoding.as_ref().ok_or(TokenError::NoSigningKey)?;
    // An access token never outlives its session.
    let exp = now
        .saturating_add(policy.access_ttl)
        .min(session.ends_at(policy).max(now + 1));
    let claims = AccessClaims {
        iss: policy.issuer.clone(),
        aud: policy.audience.clone(),
        sub: subject.id,
        client_id: client.as_str().to_owned(),
        email: subject.email.to_owned(),
        roles: subject
            .roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        sid: session.sid,
        jti: Uuid::new_v4(),
        iat: now,
        exp,
        nbf: None,
        gen: subject.generation,
    };
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    header.typ = Some(ACCESS_TYP.to_owned());
    let token = jsonwebtoken::encode(&header, &claims, encoding)
        .map_err(|e| TokenError::Signing(e.to_string()))?;
    Ok((token, exp - now))
}

/// A `Validation` with every rule set by hand: one algorithm, exact `iss` and `aud`,
/// required claims, and jsonwebtoken's own clock checks off (ours take an injected now).
pub(crate) fn strict_validation(
    alg: jsonwebtoken::Algorithm,
    issuer: &str,
    audience: &str,
) -> Validation {
    let mut validation = Validation::new(alg);
    validation.algorithms = vec![alg];
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_aud = true;
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;
    validation
}
