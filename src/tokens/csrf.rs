//! CSRF tokens of the cookie carrier: `<kid>.<HMAC(session id)>`, under a secret derived from
//! the key file, so a value planted by a sibling subdomain cannot match a session.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use crate::keys::KeyRing;

/// The CSRF token bound to session `sid`, under the current signing key's derived secret.
pub fn issue_csrf_token(ring: &KeyRing, sid: Uuid, now: i64) -> Option<String> {
    let key = ring.signing_key(now)?;
    let tag = aws_lc_rs::hmac::sign(&key.secrets.as_ref()?.csrf, sid.as_bytes());
    Some(format!(
        "{}.{}",
        key.kid,
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    ))
}

/// Whether `token` is the CSRF token of session `sid` under any key of the ring.
pub fn verify_csrf_token(ring: &KeyRing, sid: Uuid, token: &str) -> bool {
    let Some((kid, tag)) = token.split_once('.') else {
        return false;
    };
    let Some(secrets) = ring.get(kid).and_then(|key| key.secrets.as_ref()) else {
        return false;
    };
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    aws_lc_rs::hmac::verify(&secrets.csrf, sid.as_bytes(), &tag).is_ok()
}

/// The double submit failed: no `X-CSRF-Token`, no CSRF cookie, the two differ, or the
/// value is not the token of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("missing or wrong X-CSRF-Token")]
pub struct CsrfError;

/// Requires the `X-CSRF-Token` echo to equal the CSRF cookie and to be the token of `sid`.
pub fn check_csrf(
    echoed: Option<&str>,
    cookie: Option<&str>,
    ring: &KeyRing,
    sid: Uuid,
) -> Result<(), CsrfError> {
    match (echoed, cookie) {
        (Some(echoed), Some(cookie))
            if echoed == cookie && verify_csrf_token(ring, sid, echoed) =>
        {
            Ok(())
        }
        _ => Err(CsrfError),
    }
}
