//! Reading the keys folder: which files are keys, what they hold and when they were published.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::material::KeyFile;
use super::rotation;

/// One key file as read. No `Debug`: `bytes` may be a private key.
pub(crate) struct KeyFileRead {
    pub path: PathBuf,
    pub kid: String,
    pub kind: KeyFile,
    pub bytes: Vec<u8>,
    /// See [`rotation::published_at`].
    pub published_at: Duration,
}

/// Reads every key file of `dir` (files and symlinks named `<kid>.pem`, `<kid>.pub.pem`,
/// `<kid>.hs256`); other files are ignored.
pub(crate) fn read_key_files(dir: &Path) -> anyhow::Result<Vec<KeyFileRead>> {
    let reading = || format!("reading the keys folder {}", dir.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(reading)? {
        let entry = entry.with_context(reading)?;
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
        // The bytes first, then the times: a file replaced in between looks newer, never
        // older, so a new key cannot sign early.
        let bytes =
            std::fs::read(&path).with_context(|| format!("reading key {}", path.display()))?;
        let metadata =
            std::fs::metadata(&path).with_context(|| format!("reading key {}", path.display()))?;
        files.push(KeyFileRead {
            kid: kid.to_owned(),
            kind,
            bytes,
            published_at: rotation::published_at(&metadata),
            path,
        });
    }
    Ok(files)
}
