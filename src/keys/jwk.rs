//! The public half of a key: its verifying key and its JWK (RFC 7517), from SPKI DER.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey};
use pkcs8::der::Decode;
use serde_json::{json, Value};

pub(super) const OID_ED25519: &str = "1.3.101.112";
pub(super) const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub(super) const OID_P256: &str = "1.2.840.10045.3.1.7";
pub(super) const OID_RSA: &str = "1.2.840.113549.1.1.1";

/// The verifying key and public JWK of an SPKI DER public key.
pub(super) fn public_parts(
    kid: &str,
    alg: Algorithm,
    spki_der: &[u8],
) -> anyhow::Result<(DecodingKey, Value)> {
    let info = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| anyhow::anyhow!("not an SPKI public key: {e}"))?;
    let bits = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| anyhow::anyhow!("public key is not a whole number of bytes"))?;
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    match alg {
        Algorithm::EdDSA => {
            anyhow::ensure!(bits.len() == 32, "an Ed25519 public key is 32 bytes");
            let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(bits), "kid": kid, "alg": "EdDSA", "use": "sig"});
            Ok((DecodingKey::from_ed_der(bits), jwk))
        }
        Algorithm::ES256 => {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| anyhow::anyhow!("EC key without a named curve"))?;
            anyhow::ensure!(
                curve.to_string() == OID_P256,
                "only the P-256 curve is supported"
            );
            anyhow::ensure!(
                bits.len() == 65 && bits[0] == 4,
                "expected an uncompressed P-256 point"
            );
            let (x, y) = bits[1..].split_at(32);
            let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y), "kid": kid, "alg": "ES256", "use": "sig"});
            Ok((DecodingKey::from_ec_der(bits), jwk))
        }
        Algorithm::RS256 => {
            let rsa = pkcs1::RsaPublicKey::from_der(bits)
                .map_err(|e| anyhow::anyhow!("bad RSA public key: {e}"))?;
            let (n, e) = (rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes());
            anyhow::ensure!(n.len() >= 256, "RSA keys must be at least 2048 bits");
            let jwk = json!({"kty": "RSA", "n": b64(n), "e": b64(e), "kid": kid, "alg": "RS256", "use": "sig"});
            Ok((DecodingKey::from_rsa_raw_components(n, e), jwk))
        }
        other => anyhow::bail!("{other:?} is not a public-key algorithm"),
    }
}
