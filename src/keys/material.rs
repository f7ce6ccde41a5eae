//! One key file turned into signing and verifying material: PKCS#8 and SPKI PEM, or an HS256 secret.

use std::fmt;
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::KeyPair as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use pkcs8::der::Decode;
use serde_json::Value;

use super::jwk::{public_parts, OID_EC_PUBLIC_KEY, OID_ED25519, OID_RSA};
const MIN_HS256_SECRET: usize = 32;

/// One key of the folder, ready to sign (if private) and verify.
pub struct Key {
    pub kid: String,
    pub alg: Algorithm,
    /// Present for private keys and HS256 secrets: this key may sign.
    pub(crate) encoding: Option<EncodingKey>,
    pub(crate) decoding: DecodingKey,
    /// The public JWK, for asymmetric keys only.
    pub(crate) jwk: Option<Value>,
    /// Secret material derived from the file, for refresh and device tokens.
    pub(crate) secrets: Option<DerivedSecrets>,
    /// When the key was published, since the Unix epoch: see `rotation::published_at`.
    pub published_at: Duration,
}

/// Keys derived by HKDF-SHA256 from a private key file; never published.
pub(crate) struct DerivedSecrets {
    pub refresh_encoding: EncodingKey,
    pub refresh_decoding: DecodingKey,
    pub device: aws_lc_rs::hmac::Key,
    pub csrf: aws_lc_rs::hmac::Key,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("can_sign", &self.encoding.is_some())
            .field("published_at", &self.published_at)
            .finish_non_exhaustive()
    }
}

/// The kinds of key file, told apart by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFile {
    Private,
    Public,
    Secret,
}

impl KeyFile {
    /// Splits `<kid>.pem`, `<kid>.pub.pem` or `<kid>.hs256` into its kid and kind;
    /// `None` for files that are not keys (a README, a .gitignore).
    pub fn classify(file_name: &str) -> Option<(&str, KeyFile)> {
        if file_name.starts_with('.') {
            return None;
        }
        let (kid, kind) = if let Some(kid) = file_name.strip_suffix(".pub.pem") {
            (kid, KeyFile::Public)
        } else if let Some(kid) = file_name.strip_suffix(".pem") {
            (kid, KeyFile::Private)
        } else if let Some(kid) = file_name.strip_suffix(".hs256") {
            (kid, KeyFile::Secret)
        } else {
            return None;
        };
        (!kid.is_empty()).then_some((kid, kind))
    }
}

impl Key {
    pub fn from_file(
        kid: &str,
        kind: &KeyFile,
        bytes: &[u8],
        published_at: Duration,
    ) -> anyhow::Result<Key> {
        let key = match kind {
            KeyFile::Private => Self::from_private_pem(kid, bytes)?,
            KeyFile::Public => Self::from_public_pem(kid, bytes)?,
            KeyFile::Secret => Self::from_hs256_secret(kid, bytes)?,
        };
        Ok(Key {
            published_at,
            ..key
        })
    }

    fn from_private_pem(kid: &str, bytes: &[u8]) -> anyhow::Result<Key> {
        let block = pem::parse(bytes)?;
        if block.tag() != "PRIVATE KEY" {
            anyhow::bail!(
                "expected a PKCS#8 'PRIVATE KEY' PEM block, found '{}'",
                block.tag()
            );
        }
        let der = block.contents();
        let info =
            pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| anyhow::anyhow!("not PKCS#8: {e}"))?;
        let oid = info.algorithm.oid.to_string();
        let (alg, spki, encoding) = match oid.as_str() {
            OID_ED25519 => {
                let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|e| anyhow::anyhow!("bad Ed25519 key: {e}"))?;
                let spki = pair.public_key().as_der()?.as_ref().to_vec();
                (Algorithm::EdDSA, spki, EncodingKey::from_ed_der(der))
            }
            OID_EC_PUBLIC_KEY => {
                let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
                    &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    der,
                )
                .map_err(|e| anyhow::anyhow!("not a P-256 key (only P-256 is supported): {e}"))?;
                let spki = pair.public_key().as_der()?.as_ref().to_vec();
                (Algorithm::ES256, spki, EncodingKey::from_ec_der(der))
            }
            OID_RSA => {
                let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(der)
                    .map_err(|e| anyhow::anyhow!("bad RSA key: {e}"))?;
                if pair.public_modulus_len() < 256 {
                    anyhow::bail!("RSA keys must be at least 2048 bits");
                }
                let spki = pair.public_key().as_der()?.as_ref().to_vec();
                (Algorithm::RS256, spki, EncodingKey::from_rsa_pem(bytes)?)
            }
            other => anyhow::bail!("unsupported key algorithm {other} (use Ed25519, P-256 or RSA)"),
        };
        let (decoding, jwk) = public_parts(kid, alg, &spki)?;
        Ok(Key {
            kid: kid.to_owned(),
            alg,
            encoding: Some(encoding),
            decoding,
            jwk: Some(jwk),
            secrets: Some(DerivedSecrets::from_ikm(bytes)),
            published_at: Duration::ZERO,
        })
    }

    fn from_public_pem(kid: &str, bytes: &[u8]) -> anyhow::Result<Key> {
        let block = pem::parse(bytes)?;
        if block.tag() != "PUBLIC KEY" {
            anyhow::bail!(
                "expected an SPKI 'PUBLIC KEY' PEM block, found '{}'",
                block.tag()
            );
        }
        let spki = block.contents();
        let info = spki::SubjectPublicKeyInfoRef::from_der(spki)
            .map_err(|e| anyhow::anyhow!("not an SPKI public key: {e}"))?;
        let alg = match info.algorithm.oid.to_string().as_str() {
            OID_ED25519 => Algorithm::EdDSA,
            OID_EC_PUBLIC_KEY => Algorithm::ES256,
            OID_RSA => Algorithm::RS256,
            other => anyhow::bail!("unsupported key algorithm {other} (use Ed25519, P-256 or RSA)"),
        };
        let (decoding, jwk) = public_parts(kid, alg, spki)?;
        Ok(Key {
            kid: kid.to_owned(),
            alg,
            encoding: None,
            decoding,
            jwk: Some(jwk),
            secrets: None,
            published_at: Duration::ZERO,
        })
    }

    fn from_hs256_secret(kid: &str, bytes: &[u8]) -> anyhow::Result<Key> {
        if bytes.len() < MIN_HS256_SECRET {
            anyhow::bail!("an HS256 secret must be at least {MIN_HS256_SECRET} bytes");
        }
        Ok(Key {
            kid: kid.to_owned(),
            alg: Algorithm::HS256,
            encoding: Some(EncodingKey::from_secret(bytes)),
            decoding: DecodingKey::from_secret(bytes),
            jwk: None,
            secrets: Some(DerivedSecrets::from_ikm(bytes)),
            published_at: Duration::ZERO,
        })
    }

    pub fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }
}

impl DerivedSecrets {
    fn from_ikm(ikm: &[u8]) -> Self {
        let refresh = hkdf_sha256(ikm, b"authd refresh-token mac v1");
        let device = hkdf_sha256(ikm, b"authd device-token mac v1");
        let csrf = hkdf_sha256(ikm, b"authd csrf-token mac v1");
        DerivedSecrets {
            refresh_encoding: EncodingKey::from_secret(&refresh),
            refresh_decoding: DecodingKey::from_secret(&refresh),
            device: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &device),
            csrf: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &csrf),
        }
    }
}

fn hkdf_sha256(ikm: &[u8], info: &[u8]) -> [u8; 32] {
    use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
    let mut out = [0u8; 32];
    let info = [info];
    // Expanding 32 bytes from SHA-256 cannot fail: the limit is 255 × 32.
    if let Ok(okm) = Salt::new(HKDF_SHA256, b"authd")
        .extract(ikm)
        .expand(&info, HKDF_SHA256)
    {
        let _ = okm.fill(&mut out);
    }
    out
}
