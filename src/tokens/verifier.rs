//! [`AccessTokenVerifier`]: the extractor's engine. A token is verified in full once
//! (header, key, signature, `typ`, `iss`, `aud`, times) and its claims kept in the
//! [`TokenCache`]; every later presentation re-checks the times, and every presentation is
//! checked against the revocation facts. No store is consulted.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation};

use super::access::{strict_validation, AccessClaims, ACCESS_TYP};
use super::cache::TokenCache;
use super::header::check_header;
use super::{check_times, TokenError};
use crate::clock::SharedClock;
use crate::keys::{KeyRing, KeySource};
use crate::revocation::{Holder, RevocationSet};

/// What a verifier does while its revocation facts may be out of date (a lost feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StalePolicy {
    /// Keep verifying signatures, as a plain JWT verifier would (the default).
    KeepVerifying,
    /// Refuse every token until the facts are current again.
    Refuse,
}

/// Verifies access tokens offline, against a key folder or authd's JWKS fetched over HTTP
/// (a [`KeySource`]), with the same checks either way.
///
/// Put one in `app_data` (as `web::Data<AccessTokenVerifier>`) and any actix-web handler
/// that takes an [`crate::extractor::AuthenticatedUser`] is protected.
#[derive(Clone)]
pub struct AccessTokenVerifier {
    keys: KeySource,
    leeway: i64,
    clock: SharedClock,
    /// One `Validation` per algorithm a key may have, built once.
    validations: Arc<[(Algorithm, Validation)]>,
    cache: TokenCache,
    revocations: Option<(Arc<RevocationSet>, StalePolicy)>,
}

impl AccessTokenVerifier {
    /// A verifier over `keys`: a [`crate::keys::KeyStore`] or a [`crate::keys::RemoteJwks`],
    /// with no cache and no revocation facts (see [`Self::with_cache`],
    /// [`Self::with_revocations`]).
    pub fn new(
        keys: impl Into<KeySource>,
        issuer: &str,
        audience: &str,
        leeway: i64,
        clock: SharedClock,
    ) -> Self {
        // Every algorithm a key of the folder or a JWKS may have (HS256: a shared secret).
        let validations = [
            Algorithm::ES256,
            Algorithm::EdDSA,
            Algorithm::RS256,
            Algorithm::HS256,
        ]
        .map(|alg| (alg, strict_validation(alg, issuer, audience)));
        Self {
            keys: keys.into(),
            leeway,
            clock,
            validations: Arc::new(validations),
            cache: TokenCache::off(),
            revocations: None,
        }
    }

    /// Keeps verified tokens in `cache` (`AUTHD_TOKEN_CACHE`).
    pub fn with_cache(mut self, cache: TokenCache) -> Self {
        self.cache = cache;
        self
    }

    /// Refuses the tokens the facts of `set` revoke; `when_stale` says what to do while the
    /// set's feeder is out of touch.
    pub fn with_revocations(mut self, set: Arc<RevocationSet>, when_stale: StalePolicy) -> Self {
        self.revocations = Some((set, when_stale));
        self
    }

    /// The keys it verifies against.
    pub fn keys(&self) -> &KeySource {
        &self.keys
    }

    /// The verified-token cache (for its size and the tests).
    pub fn cache(&self) -> &TokenCache {
        &self.cache
    }

    /// Verifies `token` now.
    pub fn verify(&self, token: &str) -> Result<Arc<AccessClaims>, TokenError> {
        self.verify_at(token, self.clock.now())
    }

    /// Verifies `token` as of `now`: from the cache when these exact bytes verified before
    /// under the keys in use, else in full; then against the revocation facts. Never
    /// fetches: on [`TokenError::UnknownKey`] a caller may ask the source to
    /// (`keys().refetch_for_unknown_kid()`, as the extractor does) and verify again.
    pub fn verify_at(&self, token: &str, now: i64) -> Result<Arc<AccessClaims>, TokenError> {
        let ring = self.keys.current();
        let digest = self.cache.digest(token);
        let cached = digest.and_then(|d| self.cache.lookup(&d, &ring, now, self.leeway));
        let claims = match cached {
            Some(hit) => hit?,
            None => {
                let claims = Arc::new(self.verify_in_full(token, &ring, now)?);
                if let Some(digest) = digest {
                    self.cache.keep(digest, ring.etag(), claims.clone());
                }
                claims
            }
        };
        self.check_revocations(&claims, now)?;
        Ok(claims)
    }

    fn verify_in_full(
        &self,
        token: &str,
        ring: &KeyRing,
        now: i64,
    ) -> Result<AccessClaims, TokenError> {
        let header = check_header(token, ACCESS_TYP)?;
        let key = ring.get(&header.kid).ok_or(TokenError::UnknownKey)?;
        if key.alg != header.alg {
            return Err(TokenError::WrongAlgorithm);
        }
        let (_, validation) = (self.validations.iter())
            .find(|(alg, _)| *alg == key.alg)
            .ok_or(TokenError::WrongAlgorithm)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, validation)
            .map_err(TokenError::from_jsonwebtoken)?;
        let claims = data.claims;
        check_times(claims.exp, claims.nbf, claims.iat, now, self.leeway)?;
        Ok(claims)
    }

    /// A hash lookup in memory: is the session or the user's generation revoked?
    fn check_revocations(&self, claims: &AccessClaims, now: i64) -> Result<(), TokenError> {
        let Some((set, when_stale)) = &self.revocations else {
            return Ok(());
        };
        if *when_stale == StalePolicy::Refuse && !set.is_current() {
            return Err(TokenError::RevocationsUnknown);
        }
        let holder = Holder {
            sub: claims.sub,
            sid: claims.sid,
            gen: claims.gen,
        };
        if set.revokes(&holder, now) {
            return Err(TokenError::Revoked);
        }
        Ok(())
    }
}
