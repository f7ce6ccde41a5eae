//! [`Rotation`]: the two intervals that decide when a new key may sign.

/// The default of `AUTHD_KEYS_RELOAD`, for stores opened without settings (a verifier).
pub const DEFAULT_RELOAD_SECS: u64 = 30;

/// How long verifiers cache the JWKS, and how often each instance re-reads the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// `AUTHD_JWKS_MAX_AGE`, seconds.
    pub jwks_max_age: u64,
    /// `AUTHD_KEYS_RELOAD`, seconds.
    pub reload: u64,
}
