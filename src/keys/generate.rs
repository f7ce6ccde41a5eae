//! `authd keys generate`: a new PKCS#8 PEM private key named by its creation time.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_lc_rs::encoding::AsDer;

/// The algorithms `keys generate` can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyAlgorithm {
    Eddsa,
    Es256,
    Rs256,
}

impl KeyAlgorithm {
    fn suffix(self) -> &'static str {
        match self {
            KeyAlgorithm::Eddsa => "eddsa",
            KeyAlgorithm::Es256 => "es256",
            KeyAlgorithm::Rs256 => "rs256",
        }
    }

    fn pkcs8_der(self) -> anyhow::Result<Vec<u8>> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let der = match self {
            KeyAlgorithm::Eddsa => aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8v1(&rng)
                .map_err(|_| anyhow::anyhow!("generating an Ed25519 key"))?
                .as_ref()
                .to_vec(),
            KeyAlgorithm::Es256 => aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &rng,
            )
            .map_err(|_| anyhow::anyhow!("generating a P-256 key"))?
            .as_ref()
            .to_vec(),
            KeyAlgorithm::Rs256 => {
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(|_| anyhow::anyhow!("generating an RSA key"))?
                    .as_der()
                    .map_err(|_| anyhow::anyhow!("encoding the RSA key"))?
                    .as_ref()
                    .to_vec()
            }
        };
        Ok(der)
    }
}

/// Writes `dir/<kid>.pem` (mode 0600) and returns its path. The kid is the UTC creation
/// time then the algorithm (`20261126T142300Z-es256`), so kids sort by age: when a key of
/// the same second exists already, the new one takes the next free second, so that
/// `…Z-rs256` made just before `…Z-eddsa` never sorts after it.
pub fn generate_key(
    dir: &Path,
    alg: KeyAlgorithm,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", alg.pkcs8_der()?));
    let taken = existing_names(dir)?;
    let mut at = now;
    loop {
        let stamp = at.format("%Y%m%dT%H%M%SZ").to_string();
        at += chrono::Duration::seconds(1);
        if taken.iter().any(|name| name.starts_with(&stamp)) {
            continue;
        }
        let path = dir.join(format!("{stamp}-{}.pem", alg.suffix()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(pem.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?;
                return Ok(path);
            }
            // Another generator won this second: take the next.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err).with_context(|| format!("creating {}", path.display())),
        }
    }
}

/// Whether `dir` holds any key file (`*.pem`, `*.hs256`); a missing folder holds none.
pub fn has_key_files(dir: &Path) -> anyhow::Result<bool> {
    Ok(existing_names(dir)?
        .iter()
        .any(|name| super::material::KeyFile::classify(name).is_some()))
}

fn existing_names(dir: &Path) -> anyhow::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("reading {}", dir.display())),
    };
    Ok(entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_made_in_one_second_still_sort_by_creation() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::Utc::now();
        let first = generate_key(dir.path(), KeyAlgorithm::Rs256, now).unwrap();
        let second = generate_key(dir.path(), KeyAlgorithm::Eddsa, now).unwrap();
        let third = generate_key(dir.path(), KeyAlgorithm::Es256, now).unwrap();
        let names: Vec<_> = [&first, &second, &third]
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(has_key_files(dir.path()).unwrap());
    }

    #[test]
    fn a_missing_or_keyless_folder_has_no_key_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_key_files(&dir.path().join("absent")).unwrap());
        std::fs::write(dir.path().join("README.md"), "keys").unwrap();
        assert!(!has_key_files(dir.path()).unwrap());
    }
}
