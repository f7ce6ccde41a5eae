//! `authd keys`: generate a key, list the folder with who signs when, prune old keys.

mod list;
mod prune;

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::keys::generate::{generate_key, has_key_files, KeyAlgorithm};
use crate::keys::{read_key_files, KeyRing, Rotation};
use crate::settings::{parse_duration, KeySettings, Settings};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new PKCS#8 PEM private key `DIR/<kid>.pem`.
    Generate {
        /// ES256 by default: every common JWKS verifier takes it, while Node's
        /// jsonwebtoken + jwks-rsa and fast-jwt + get-jwks cannot verify EdDSA.
        #[arg(long, value_enum, default_value = "es256")]
        alg: KeyAlgorithm,
        /// Folder to write into (default: the keys folder setting).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Only when the folder holds no key yet (what `make run` uses).
        #[arg(long)]
        if_none: bool,
    },
    /// List the keys: algorithm, publication, which signs now and which next, from when.
    List {
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove key files published longer ago than D, keeping any a live token may need.
    Prune {
        /// Seconds, or `30d`, `12h`, `15m`.
        #[arg(long, value_parser = parse_duration)]
        older_than: u64,
        /// Say what would be removed, remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(command: KeysCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate { alg, dir, if_none } => {
            let dir = dir.unwrap_or_else(|| settings.keys.dir.clone());
            if if_none && has_key_files(&dir)? {
                return Ok(());
            }
            let path = generate_key(&dir, alg, chrono::Utc::now())?;
            eprintln!("generated a new signing key");
            println!("{}", path.display());
            Ok(())
        }
        KeysCommand::List { json } => {
            let ring = load_ring(&settings.keys)?;
            list::print(&ring, json, chrono::Utc::now().timestamp())
        }
        KeysCommand::Prune {
            older_than,
            dry_run,
        } => prune::run(settings, older_than, dry_run),
    }
}

fn rotation(keys: &KeySettings) -> Rotation {
    Rotation {
        jwks_max_age: keys.jwks_max_age,
        reload: keys.reload,
    }
}

fn load_ring(keys: &KeySettings) -> anyhow::Result<KeyRing> {
    let files = read_key_files(&keys.dir).context("AUTHD_KEYS_DIR")?;
    KeyRing::from_files(&keys.dir, files, rotation(keys)).context("AUTHD_KEYS_DIR")
}
