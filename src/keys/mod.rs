//! The signing-key folder: loaded once, shared by every worker, re-read without a restart;
//! and, for a service that holds no key file, authd's JWKS fetched over HTTP ([`remote`]).
//!
//! Every key verifies; every public key is published in the JWKS; a key signs only once
//! every instance publishes it and every verifier's cached JWKS holds it (see [`Rotation`]).
//! A verifier takes its keys from a [`KeySource`]: the folder or the remote JWKS.

pub mod generate;
mod jwk;
pub(crate) mod material;
pub mod remote;
mod rotation;
mod source;
mod store;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

pub use material::Key;
use material::KeyFile;
pub use remote::RemoteJwks;
pub use rotation::{Rotation, DEFAULT_RELOAD_SECS};
pub use source::KeySource;
pub use store::KeyStore;

/// The keys of the folder at one moment, and their JWKS.
#[derive(Debug)]
pub struct KeyRing {
    keys: BTreeMap<String, Key>,
    jwks: Vec<u8>,
    etag: String,
    rotation: Rotation,
}

impl KeyRing {
    /// Reads every key file of `dir`; a folder without a key is an error.
    pub fn load(dir: &Path, rotation: Rotation) -> anyhow::Result<KeyRing> {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("reading the keys folder {}", dir.display()))?;
        let mut keys = BTreeMap::new();
        for entry in entries {
            let entry =
                entry.with_context(|| format!("reading the keys folder {}", dir.display()))?;
            let name = entry.file_name();
            let Some((kid, kind)) = name.to_str().and_then(KeyFile::classify) else {
                continue;
            };
            if !entry
                .file_type()
                .map(|t| t.is_file() || t.is_symlink())
                .unwrap_or(false)
            {
                continue;
            }
            let path = entry.path();
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading key {}", path.display()))?;
            let metadata = std::fs::metadata(&path)
                .with_context(|| format!("reading key {}", path.display()))?;
            let published_at = rotation::published_at(&metadata);
            let key = Key::from_file(kid, &kind, &bytes, published_at)
                .with_context(|| format!("loading key {}", path.display()))?;
            // A private key and its own .pub.pem share a kid: keep the one that can sign.
            match keys.get(kid) {
                Some(existing) if Key::can_sign(existing) => {}
                _ => {
                    keys.insert(kid.to_owned(), key);
                }
            }
        }
        if keys.is_empty() {
            anyhow::bail!(
                "no key in {} (create one with `authd keys generate`)",
                dir.display()
            );
        }
        Ok(KeyRing::from_keys(keys, rotation))
    }

    /// A ring of `keys` (by kid), its JWKS serialized from their public JWKs.
    pub(crate) fn from_keys(keys: BTreeMap<String, Key>, rotation: Rotation) -> KeyRing {
        let published: Vec<_> = keys.values().filter_map(|k| k.jwk.as_ref()).collect();
        // Serializing JSON values to memory cannot fail: their map keys are strings.
        let jwks =
            serde_json::to_vec(&serde_json::json!({ "keys": published })).unwrap_or_default();
        let etag = etag_of(&jwks);
        KeyRing {
            keys,
            jwks,
            etag,
            rotation,
        }
    }

    pub fn get(&self, kid: &str) -> Option<&Key> {
        self.keys.get(kid)
    }

    /// The key that signs at `now` (Unix seconds), by the rule of [`Rotation`].
    pub fn signing_key(&self, now: i64) -> Option<&Key> {
        self.rotation.signing_key(self.keys.values(), now)
    }

    /// Whether any key can sign: a verifier's folder of public keys cannot.
    pub fn can_sign(&self) -> bool {
        self.keys.values().any(Key::can_sign)
    }

    /// The JWKS document (RFC 7517), serialized once per load.
    pub fn jwks(&self) -> &[u8] {
        &self.jwks
    }

    /// The JWKS's strong entity-tag, quotes included (RFC 9110 §8.8.3).
    pub fn etag(&self) -> &str {
        &self.etag
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// How many keys verify: none in a remote set that was never fetched.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A digest of the JWKS bytes, which the same keys always serialize to (in kid order): every
/// reload and every instance gives the same tag, so caches behind a load balancer agree.
fn etag_of(jwks: &[u8]) -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, jwks);
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
    format!("\"{tag}\"")
}
