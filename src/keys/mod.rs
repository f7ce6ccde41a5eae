//! The signing-key folder: loaded once, shared by every worker, re-read without a restart.
//!
//! Every key verifies; every public key is published in the JWKS; the signing key is the
//! greatest kid among the keys published for at least `AUTHD_JWKS_MAX_AGE`, so a verifier's
//! cached JWKS already holds a key before any token uses it.

pub mod generate;
mod jwk;
pub(crate) mod material;
mod rotation;
mod store;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::UNIX_EPOCH;

use anyhow::Context;

pub use material::Key;
use material::KeyFile;
pub use rotation::{Rotation, DEFAULT_RELOAD_SECS};
pub use store::KeyStore;

/// The keys of the folder at one moment, and their JWKS.
#[derive(Debug)]
pub struct KeyRing {
    keys: BTreeMap<String, Key>,
    jwks: Vec<u8>,
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
            let published_at = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs() as i64);
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
        let published: Vec<_> = keys.values().filter_map(|k| k.jwk.clone()).collect();
        let jwks = serde_json::to_vec(&serde_json::json!({ "keys": published }))?;
        Ok(KeyRing {
            keys,
            jwks,
            rotation,
        })
    }

    pub fn get(&self, kid: &str) -> Option<&Key> {
        self.keys.get(kid)
    }

    /// The key that signs at `now`: the greatest kid published for at least the JWKS
    /// max-age, or, when none is yet (first start), the greatest kid that can sign.
    pub fn signing_key(&self, now: i64) -> Option<&Key> {
        let mut signers = self.keys.values().rev().filter(|k| k.can_sign());
        let newest = signers.clone().next();
        signers
            .find(|k| {
                now.saturating_sub(k.published_at)
                    >= i64::try_from(self.rotation.jwks_max_age).unwrap_or(i64::MAX)
            })
            .or(newest)
    }

    /// The JWKS document (RFC 7517), serialized once per load.
    pub fn jwks(&self) -> &[u8] {
        &self.jwks
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}
