//! [`KeyStore`]: the shared handle on the current [`KeyRing`], swapped whole on every
//! re-read of the folder (timer and SIGHUP), so readers never wait.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::{KeyRing, Rotation, DEFAULT_RELOAD_SECS};

/// A shared handle on the current [`KeyRing`]; cheap to clone.
#[derive(Clone)]
pub struct KeyStore {
    dir: PathBuf,
    rotation: Rotation,
    ring: Arc<ArcSwap<KeyRing>>,
}

impl KeyStore {
    /// Opens `dir` as a verifier would: its reloader re-reads the folder every
    /// [`DEFAULT_RELOAD_SECS`].
    pub fn open(dir: impl Into<PathBuf>, jwks_max_age: u64) -> anyhow::Result<KeyStore> {
        let rotation = Rotation {
            jwks_max_age,
            reload: DEFAULT_RELOAD_SECS,
        };
        Self::with_rotation(dir, rotation)
    }

    /// Opens the folder of `AUTHD_KEYS_DIR` with its JWKS max-age and reload interval.
    pub fn from_settings(settings: &crate::settings::KeySettings) -> anyhow::Result<KeyStore> {
        let rotation = Rotation {
            jwks_max_age: settings.jwks_max_age,
            reload: settings.reload,
        };
        Self::with_rotation(&settings.dir, rotation)
    }

    /// Opens `dir`, signing and re-reading by `rotation`.
    pub fn with_rotation(dir: impl Into<PathBuf>, rotation: Rotation) -> anyhow::Result<KeyStore> {
        let dir = dir.into();
        let ring = KeyRing::load(&dir, rotation)?;
        Ok(KeyStore {
            dir,
            rotation,
            ring: Arc::new(ArcSwap::from_pointee(ring)),
        })
    }

    /// `AUTHD_JWKS_MAX_AGE`: the JWKS `Cache-Control: max-age`.
    pub fn jwks_max_age(&self) -> u64 {
        self.rotation.jwks_max_age
    }

    /// The ring in use now: a lock-free load, cheap enough for every request.
    pub fn current(&self) -> Arc<KeyRing> {
        self.ring.load_full()
    }

    /// Re-reads the folder. On any error the keys in use stay as they were.
    pub fn reload(&self) -> anyhow::Result<()> {
        let ring = Arc::new(KeyRing::load(&self.dir, self.rotation)?);
        let kids: Vec<String> = ring.kids().map(str::to_owned).collect();
        self.ring.store(ring);
        log::debug!("keys reloaded: {kids:?}");
        Ok(())
    }

    /// Re-reads the folder every `AUTHD_KEYS_RELOAD` seconds and on SIGHUP, until the
    /// returned task is dropped with its runtime.
    pub fn spawn_reloader(&self) -> tokio::task::JoinHandle<()> {
        // tokio's interval panics on zero; the setting is positive, `with_rotation` may not be.
        let every = std::time::Duration::from_secs(self.rotation.reload.max(1));
        let store = self.clone();
        tokio::spawn(async move {
            let mut hangup =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
                    Ok(signal) => Some(signal),
                    Err(err) => {
                        log::warn!(
                            "cannot listen for SIGHUP, keys reload only on the timer: {err}"
                        );
                        None
                    }
                };
            let mut ticker = tokio::time::interval(every);
            ticker.tick().await;
            loop {
                let by_signal = tokio::select! {
                    _ = ticker.tick() => false,
                    Some(()) = async { match hangup.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => true,
                };
                // File reads and PEM/RSA parsing block: keep them off the async workers.
                let reloading = store.clone();
                let reloaded = tokio::task::spawn_blocking(move || reloading.reload())
                    .await
                    .unwrap_or_else(|e| Err(anyhow::anyhow!("the reload task failed: {e}")));
                match reloaded {
                    Ok(()) if by_signal => log::info!(
                        "keys reloaded on SIGHUP: {:?}",
                        store.current().kids().collect::<Vec<_>>()
                    ),
                    Ok(()) => {}
                    Err(err) => log::error!("keys not reloaded, keeping the current ones: {err:#}"),
                }
            }
        })
    }
}
