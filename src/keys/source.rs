//! [`KeySource`]: where a verifier's keys come from, the key folder or authd's JWKS fetched
//! over HTTP. Both yield the same [`KeyRing`], so a token passes the same checks either way.

use std::sync::Arc;

use super::{KeyRing, KeyStore, RemoteJwks};

/// The keys an [`crate::tokens::AccessTokenVerifier`] verifies against; cheap to clone.
#[derive(Clone)]
pub enum KeySource {
    /// A key folder (private keys, or only `<kid>.pub.pem` files), re-read on its own timer.
    Folder(KeyStore),
    /// authd's `/.well-known/jwks.json`, cached and refreshed in the background.
    Remote(RemoteJwks),
}

impl KeySource {
    /// The keys in use now: a lock-free load, cheap enough for every request.
    pub fn current(&self) -> Arc<KeyRing> {
        match self {
            KeySource::Folder(store) => store.current(),
            KeySource::Remote(remote) => remote.current(),
        }
    }

    /// Called when a token names a kid the current keys lack: whether the keys may have
    /// changed since, so that verifying again is worth it. A remote JWKS fetches again (at
    /// most once per interval, one fetch however many requests ask) and waits for it; a
    /// folder answers `false` at once, as it is re-read on its own timer and on SIGHUP.
    pub async fn refetch_for_unknown_kid(&self) -> bool {
        match self {
            KeySource::Folder(_) => false,
            KeySource::Remote(remote) => remote.refetch_for_unknown_kid().await,
        }
    }

    /// The remote JWKS, for a readiness route to report its status.
    pub fn remote(&self) -> Option<&RemoteJwks> {
        match self {
            KeySource::Remote(remote) => Some(remote),
            KeySource::Folder(_) => None,
        }
    }
}

impl From<KeyStore> for KeySource {
    fn from(store: KeyStore) -> Self {
        KeySource::Folder(store)
    }
}

impl From<RemoteJwks> for KeySource {
    fn from(remote: RemoteJwks) -> Self {
        KeySource::Remote(remote)
    }
}
