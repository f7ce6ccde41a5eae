//! The CSRF token of a cookie session: `<kid>.<HMAC(session id)>`, echoed in `X-CSRF-Token`.

use actix_web::HttpRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use super::{CSRF_COOKIE, CSRF_HEADER};
use crate::error::ApiError;
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

/// Requires `X-CSRF-Token` to equal the `authd_csrf` cookie and to be the token of `sid`.
pub fn check_csrf(req: &HttpRequest, ring: &KeyRing, sid: Uuid) -> Result<(), ApiError> {
    let header = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::CsrfFailed)?;
    let cookie = req.cookie(CSRF_COOKIE).ok_or(ApiError::CsrfFailed)?;
    if header != cookie.value() || !is_token_of(ring, sid, header) {
        return Err(ApiError::CsrfFailed);
    }
    Ok(())
}

fn is_token_of(ring: &KeyRing, sid: Uuid, token: &str) -> bool {
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
