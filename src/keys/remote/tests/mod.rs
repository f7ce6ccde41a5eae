//! Unit tests of the remote JWKS: the cache policy and the once-per-interval rule on
//! injected times, the JWK checks, and the refresher against a local fake authd (which the
//! extractor's tests of verifying through a remote JWKS use too).

pub(crate) mod fake;
mod jwks;
mod outage;
mod policy;
mod refresh;

use std::path::Path;

use crate::keys::generate::{generate_key, KeyAlgorithm};
use crate::keys::{KeyRing, Rotation};

pub(crate) const NOW: i64 = 1_800_000_000;

/// Rotation of a test folder: every key qualifies at once.
const AT_ONCE: Rotation = Rotation {
    jwks_max_age: 0,
    reload: 0,
};

/// A key folder with one new key of each `alg`; the folder and its ring.
pub(crate) fn folder(algs: &[KeyAlgorithm]) -> (tempfile::TempDir, KeyRing) {
    crate::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    for alg in algs {
        generate_key(dir.path(), *alg, chrono::Utc::now()).unwrap();
    }
    let ring = KeyRing::load(dir.path(), AT_ONCE).unwrap();
    (dir, ring)
}

/// Adds one more key to `dir` and reads the folder again.
pub(crate) fn with_new_key(dir: &Path, alg: KeyAlgorithm) -> KeyRing {
    generate_key(dir, alg, chrono::Utc::now()).unwrap();
    KeyRing::load(dir, AT_ONCE).unwrap()
}

/// Whether a signature that `signer`'s key `kid` makes verifies with `verifier`'s key `kid`.
pub(crate) fn signature_verifies(signer: &KeyRing, verifier: &KeyRing, kid: &str) -> bool {
    let (Some(signing), Some(verifying)) = (signer.get(kid), verifier.get(kid)) else {
        return false;
    };
    let mut header = jsonwebtoken::Header::new(signing.alg);
    header.kid = Some(kid.to_owned());
    let encoding = signing.encoding.as_ref().unwrap();
    let token = jsonwebtoken::encode(&header, &serde_json::json!({"sub": "x"}), encoding).unwrap();
    let mut validation = jsonwebtoken::Validation::new(verifying.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    jsonwebtoken::decode::<serde_json::Value>(&token, &verifying.decoding, &validation).is_ok()
}
