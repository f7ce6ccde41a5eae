//! The JOSE header, checked before any signature work: size, shape, `typ`, `kid`, `alg`,
//! and the headers jsonwebtoken would otherwise ignore (`crit`, `jwk`, `jku`, `x5u`, `x5c`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::TokenError;

/// Tokens longer than this are rejected before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
const FORBIDDEN_HEADERS: &[&str] = &["crit", "jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"];

#[derive(Debug, Deserialize)]
struct RawHeader {
    alg: String,
    kid: String,
    typ: String,
}

/// The parts of a header that passed the checks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CheckedHeader {
    pub kid: String,
    pub alg: Algorithm,
}

/// Checks the compact form and the header of `token`, expecting `typ`.
pub(crate) fn check_header(token: &str, typ: &str) -> Result<CheckedHeader, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLong);
    }
    let mut segments = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(TokenError::Malformed);
    };
    let is_b64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(TokenError::Malformed);
    }
    if !(is_b64url(header) && is_b64url(payload) && is_b64url(signature)) {
        return Err(TokenError::Malformed);
    }
    // Canonical base64url only: the engine rejects non-zero trailing bits.
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| TokenError::Malformed)?;
    URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| TokenError::Malformed)?;
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|e| TokenError::Header(e.to_string()))?;
    if let Some(name) = FORBIDDEN_HEADERS
        .iter()
        .find(|name| fields.contains_key(**name))
    {
        return Err(TokenError::Header(format!("'{name}' is not accepted")));
    }
    // Typed a second time so a duplicated alg/kid/typ is an error, not last-one-wins.
    let raw: RawHeader =
        serde_json::from_slice(&bytes).map_err(|e| TokenError::Header(e.to_string()))?;
    if raw.typ != typ {
        return Err(TokenError::WrongType);
    }
    let alg = match raw.alg.as_str() {
        "EdDSA" => Algorithm::EdDSA,
        "ES256" => Algorithm::ES256,
        "RS256" => Algorithm::RS256,
        "HS256" => Algorithm::HS256,
        other => return Err(TokenError::Header(format!("alg {other:?} is not accepted"))),
    };
    Ok(CheckedHeader { kid: raw.kid, alg })
}
