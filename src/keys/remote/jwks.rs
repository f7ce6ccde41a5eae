//! A JWKS received from authd turned into a [`KeyRing`] of verifying keys. Only what authd
//! signs with is taken: ES256 (P-256), EdDSA (Ed25519) and RS256 (at least 2048 bits), each
//! key's `alg` matching its `kty` and curve. A key that cannot be used is skipped with a
//! warning, never the whole set: one odd key must not take every other key down with it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_lc_rs::signature::{ParsedPublicKey, ECDSA_P256_SHA256_FIXED, ED25519};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

use crate::keys::{Key, KeyRing, Rotation};

/// authd's own rule for RSA keys (see `material.rs`).
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// No key of a remote ring signs, so its rotation rule is never consulted.
const NOTHING_SIGNS: Rotation = Rotation {
    jwks_max_age: 0,
    reload: 0,
};

/// Why a JWKS answer gave no key set; the last good set stays in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the answer is not a JWKS (a JSON object with a `keys` array)")]
    NotAKeySet,
    #[error("the JWKS holds no usable key ({skipped} skipped)")]
    NoUsableKey { skipped: usize },
}

/// The verifying keys of `document`, a JWKS (RFC 7517 §5). A kid that appears twice is
/// ambiguous: both keys are skipped rather than one picked by order.
pub fn ring_from_jwks(document: &[u8]) -> Result<KeyRing, JwksError> {
    #[derive(Deserialize)]
    struct Document {
        keys: Vec<Value>,
    }
    let document: Document = serde_json::from_slice(document).map_err(|_| JwksError::NotAKeySet)?;
    let mut keys = BTreeMap::new();
    let mut ambiguous = BTreeSet::new();
    let mut skipped = 0;
    for value in document.keys {
        match key_from_jwk(value) {
            Ok(key) if keys.contains_key(&key.kid) || ambiguous.contains(&key.kid) => {
                keys.remove(&key.kid);
                ambiguous.insert(key.kid);
            }
            Ok(key) => {
                keys.insert(key.kid.clone(), key);
            }
            Err(reason) => {
                log::warn!("JWKS key skipped: {reason}");
                skipped += 1;
            }
        }
    }
    for kid in &ambiguous {
        log::warn!("JWKS keys skipped: kid {kid:?} names more than one key");
    }
    if keys.is_empty() {
        return Err(JwksError::NoUsableKey {
            skipped: skipped + ambiguous.len(),
        });
    }
    Ok(KeyRing::from_keys(keys, NOTHING_SIGNS))
}

/// The set a remote JWKS holds before its first fetch.
pub(super) fn no_keys() -> KeyRing {
    KeyRing::from_keys(BTreeMap::new(), NOTHING_SIGNS)
}

/// One JWK as a verifying [`Key`], or why it cannot be one.
pub(crate) fn key_from_jwk(value: Value) -> Result<Key, String> {
    let jwk: Jwk = serde_json::from_value(value.clone()).map_err(|e| format!("not a JWK: {e}"))?;
    let kid = match jwk.common.key_id.as_deref() {
        Some(kid) if !kid.is_empty() => kid.to_owned(),
        _ => return Err("a key without a kid".to_owned()),
    };
    let unusable = |why: &str| format!("kid {kid:?}: {why}");
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return Err(unusable("`use` is not \"sig\""));
    }
    if jwk
        .common
        .key_operations
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
    {
        return Err(unusable("`key_ops` lacks \"verify\""));
    }
    let alg = verifying_algorithm(&jwk).map_err(|why| unusable(&why))?;
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| unusable(&e.to_string()))?;
    Ok(Key {
        kid,
        alg,
        encoding: None,
        decoding,
        jwk: Some(value),
        secrets: None,
        published_at: Duration::ZERO,
    })
}

/// The algorithm `jwk` verifies, once its `alg`, `kty`, curve and key material agree.
fn verifying_algorithm(jwk: &Jwk) -> Result<Algorithm, String> {
    let alg = jwk
        .common
        .key_algorithm
        .ok_or("no `alg` (authd always names it)")?;
    match (alg, &jwk.algorithm) {
        (KeyAlgorithm::ES256, AlgorithmParameters::EllipticCurve(ec))
            if ec.curve == EllipticCurve::P256 =>
        {
            let point = [vec![4], b64(&ec.x, 32)?, b64(&ec.y, 32)?].concat();
            ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .map_err(|_| "not a point of P-256")?;
            Ok(Algorithm::ES256)
        }
        (KeyAlgorithm::EdDSA, AlgorithmParameters::OctetKeyPair(okp))
            if okp.curve == EllipticCurve::Ed25519 =>
        {
            ParsedPublicKey::new(&ED25519, b64(&okp.x, 32)?)
                .map_err(|_| "not an Ed25519 public key")?;
            Ok(Algorithm::EdDSA)
        }
        (KeyAlgorithm::RS256, AlgorithmParameters::RSA(rsa)) => {
            let modulus = URL_SAFE_NO_PAD
                .decode(&rsa.n)
                .map_err(|_| "`n` is not base64url")?;
            let significant = modulus.iter().skip_while(|b| **b == 0).count();
            if significant < MIN_RSA_MODULUS_BYTES {
                return Err("RSA keys must be at least 2048 bits".to_owned());
            }
            Ok(Algorithm::RS256)
        }
        (KeyAlgorithm::ES256 | KeyAlgorithm::EdDSA | KeyAlgorithm::RS256, _) => Err(format!(
            "`alg` {alg} does not match the key's `kty` or `crv`"
        )),
        (other, _) => Err(format!(
            "`alg` {other} is not accepted (only ES256, EdDSA and RS256)"
        )),
    }
}

/// The base64url field `value`, which must decode to exactly `len` bytes.
fn b64(value: &str, len: usize) -> Result<Vec<u8>, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| "a coordinate is not base64url".to_owned())?;
    if bytes.len() != len {
        return Err(format!("a coordinate is not {len} bytes"));
    }
    Ok(bytes)
}
