//! What the criterion benchmarks share: the token settings as the server reads them, and
//! a key folder that signs at once. Each benchmark uses only part of it.
#![allow(dead_code)]

use authd::keys::generate::{generate_key, KeyAlgorithm};
use authd::keys::KeyStore;
use authd::settings::TokenSettings;
use clap::Parser;

/// The token settings as the server reads them: defaults, or the `AUTHD_*` variables the
/// bench runs with, or these flags.
#[derive(Parser)]
pub struct Defaults {
    #[command(flatten)]
    pub tokens: TokenSettings,
}

/// A temporary folder with one `alg` key, so it signs at once (a first start's only key);
/// the folder lives as long as the returned guard.
pub fn key_folder(alg: KeyAlgorithm) -> (tempfile::TempDir, KeyStore) {
    let dir = tempfile::tempdir().expect("a temporary key folder");
    generate_key(dir.path(), alg, chrono::Utc::now()).expect("a new key");
    let keys = KeyStore::open(dir.path(), 300).expect("the key folder loads");
    (dir, keys)
}
