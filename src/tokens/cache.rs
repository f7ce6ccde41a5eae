//! The verified-token cache (`AUTHD_TOKEN_CACHE`): a client presents one access token for
//! its whole lifetime, so the claims of a token whose signature and claims were verified
//! once are kept, keyed by the SHA-256 of its exact bytes. A changed bit is another key, so
//! it is verified in full; failures are never kept; every hit re-checks the times against
//! the caller's `now`, and an entry counts only under the key set it was verified against
//! (the JWKS's entity-tag: a key added or removed re-verifies every token once).

use std::sync::Arc;
use std::time::Duration;

use super::{check_times, AccessClaims, TokenError};
use crate::keys::KeyRing;

/// A token's identity in the cache: the SHA-256 of its bytes.
pub type TokenDigest = [u8; 32];

/// What a hit hands back: the claims, and the key set that verified them.
#[derive(Debug)]
struct CachedToken {
    claims: Arc<AccessClaims>,
    ring_tag: Box<str>,
}

/// Hits and misses, for the metrics; counters of no registry unless the server passes its own.
#[derive(Clone)]
pub struct CacheCounters {
    pub hits: prometheus::IntCounter,
    pub misses: prometheus::IntCounter,
}

impl CacheCounters {
    pub fn unregistered() -> Self {
        let counter = |name| prometheus::IntCounter::new(name, name).expect("a constant name");
        Self {
            hits: counter("hits"),
            misses: counter("misses"),
        }
    }
}

/// A bounded cache of verified access tokens; `capacity` 0 keeps nothing.
#[derive(Clone)]
pub struct TokenCache {
    entries: Option<moka::sync::Cache<TokenDigest, Arc<CachedToken>>>,
    counters: CacheCounters,
}

impl TokenCache {
    /// At most `capacity` tokens, none kept longer than `max_lifetime` (a token's `exp` is
    /// checked on every hit anyway; this only frees memory sooner).
    pub fn new(capacity: u64, max_lifetime: Duration, counters: CacheCounters) -> Self {
        let entries = (capacity > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(max_lifetime)
                .build()
        });
        Self { entries, counters }
    }

    /// A cache that keeps nothing.
    pub fn off() -> Self {
        Self::new(0, Duration::ZERO, CacheCounters::unregistered())
    }

    /// The key of `token` in the cache; `None` when the cache is off (nothing to hash for).
    pub fn digest(&self, token: &str) -> Option<TokenDigest> {
        self.entries.as_ref()?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
        let mut key = [0; 32];
        key.copy_from_slice(digest.as_ref());
        Some(key)
    }

    /// The claims of the token of `digest` if it verified before under the key set `ring`
    /// holds now, with its times checked at `now` (and `leeway`). `None`: verify it in full.
    pub fn lookup(
        &self,
        digest: &TokenDigest,
        ring: &KeyRing,
        now: i64,
        leeway: i64,
    ) -> Option<Result<Arc<AccessClaims>, TokenError>> {
        let entries = self.entries.as_ref()?;
        let Some(cached) = entries.get(digest) else {
            self.counters.misses.inc();
            return None;
        };
        if *cached.ring_tag != *ring.etag() {
            // The keys changed since (one may have left): verify in full, once.
            entries.invalidate(digest);
            self.counters.misses.inc();
            return None;
        }
        self.counters.hits.inc();
        let claims = &cached.claims;
        Some(check_times(claims.exp, claims.nbf, claims.iat, now, leeway).map(|()| claims.clone()))
    }

    /// Keeps the claims of a token that has just verified in full under the key set whose
    /// JWKS entity-tag is `ring_tag`.
    pub fn keep(&self, digest: TokenDigest, ring_tag: &str, claims: Arc<AccessClaims>) {
        if let Some(entries) = &self.entries {
            let ring_tag = ring_tag.into();
            entries.insert(digest, Arc::new(CachedToken { claims, ring_tag }));
        }
    }

    /// Its hits and misses so far.
    pub fn counters(&self) -> &CacheCounters {
        &self.counters
    }

    /// How many tokens it holds (approximate until moka's pending work runs).
    pub fn len(&self) -> u64 {
        self.entries.as_ref().map_or(0, |entries| {
            entries.run_pending_tasks();
            entries.entry_count()
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
