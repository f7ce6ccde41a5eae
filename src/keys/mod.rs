//! The signing-key folder: loaded once, shared by every worker, re-read without a restart;
//! and, for a service that holds no key file, authd's JWKS fetched over HTTP ([`remote`]).
//!
//! Every key verifies; every public key is published in the JWKS; a key signs only once
//! every instance publishes it and every verifier's cached JWKS holds it (see [`Rotation`]).
//! A verifier takes its keys from a [`KeySource`]: the folder or the remote JWKS.

mod folder;
pub mod generate;
mod jwk;
pub(crate) mod material;
pub mod remote;
pub mod retention;
mod rotation;
pub mod schedule;
mod source;
mod store;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

pub(crate) use folder::{read_key_files, KeyFileRead};
pub use material::{Key, KeyFile};
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
        Self::from_files(dir, read_key_files(dir)?, rotation)
    }

    /// The ring of `files`, read from `dir`.
    pub(crate) fn from_files(
        dir: &Path,
        files: Vec<KeyFileRead>,
        rotation: Rotation,
    ) -> anyhow::Result<KeyRing> {
        let mut keys = BTreeMap::new();
        for file in files {
            let key = Key::from_file(&file.kid, &file.kind, &file.bytes, file.published_at)
                .with_context(|| format!("loading key {}", file.path.display()))?;
            // A private key and its own .pub.pem share a kid: keep the one that can sign.
            match keys.get(&file.kid) {
                Some(existing) if Key::can_sign(existing) => {}
                _ => {
                    keys.insert(file.kid, key);
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

    /// Every key, in kid order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.values()
    }

    /// When each key signed and will sign, as far as the keys now in the folder tell.
    pub fn schedule(&self, now: i64) -> schedule::Schedule {
        schedule::Schedule::of(&self.rotation, self.keys.values(), now)
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
