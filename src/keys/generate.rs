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
/// time then the algorithm, so kids sort by age.
pub fn generate_key(
    dir: &Path,
    alg: KeyAlgorithm,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", alg.pkcs8_der()?));
    let stem = format!("{}-{}", now.format("%Y%m%dT%H%M%SZ"), alg.suffix());
    for attempt in 1.. {
        let kid = if attempt == 1 {
            stem.clone()
        } else {
            format!("{stem}-{attempt}")
        };
        let path = dir.join(format!("{kid}.pem"));
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
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err).with_context(|| format!("creating {}", path.display())),
        }
    }
    unreachable!("the attempt counter is unbounded")
}
