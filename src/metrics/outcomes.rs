//! The outcomes the flows count, each a fixed label: what became of a login, of a refresh,
//! and why a session ended.

use crate::tokens::TokenError;

/// What became of a password login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Success,
    /// Unknown account or wrong password.
    InvalidCredentials,
    /// Refused by the failed-login limit before any hashing.
    Throttled,
    /// The hashing pool was full (503).
    Busy,
    /// A store was down, or signing failed (503 or 500).
    Unavailable,
}

impl LoginOutcome {
    pub(super) const ALL: &[Self] = &[
        Self::Success,
        Self::InvalidCredentials,
        Self::Throttled,
        Self::Busy,
        Self::Unavailable,
    ];

    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Throttled => "throttled",
            Self::Busy => "busy",
            Self::Unavailable => "unavailable",
        }
    }
}

/// What became of a refresh token presented to rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Retired, and a new pair minted.
    Rotated,
    /// A retry within `AUTHD_REFRESH_REUSE_GRACE`: the same successor pair again.
    Grace,
    /// A retired token presented again: its session is now revoked.
    Replay,
    /// The session was revoked, or the user deleted or logged out everywhere.
    Revoked,
    /// Past its `exp` (or the session's end).
    Expired,
    /// Forged, malformed, of another type or unknown key.
    Invalid,
    /// The store did not answer (503; the retry is safe).
    Unavailable,
}

impl RefreshOutcome {
    pub(super) const ALL: &[Self] = &[
        Self::Rotated,
        Self::Grace,
        Self::Replay,
        Self::Revoked,
        Self::Expired,
        Self::Invalid,
        Self::Unavailable,
    ];

    /// The outcome of a token that failed verification.
    pub fn of_rejected(err: &TokenError) -> Self {
        match err {
            TokenError::Expired => Self::Expired,
            _ => Self::Invalid,
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Rotated => "rotated",
            Self::Grace => "grace",
            Self::Replay => "replay",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::Invalid => "invalid",
            Self::Unavailable => "unavailable",
        }
    }
}

/// Why refresh tokens were revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// `/auth/logout`, or an RFC 7009 revocation of a refresh token.
    Logout,
    /// `/auth/logout-all`: every session of the user.
    LogoutAll,
    /// `/auth/password`: every session of the user.
    PasswordChange,
    /// An RFC 7009 revocation of an access token: its session.
    AccessTokenRevoked,
    /// A retired refresh token presented again: its session.
    Replay,
}

impl Revocation {
    pub(super) const ALL: &[Self] = &[
        Self::Logout,
        Self::LogoutAll,
        Self::PasswordChange,
        Self::AccessTokenRevoked,
        Self::Replay,
    ];

    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::LogoutAll => "logout_all",
            Self::PasswordChange => "password_change",
            Self::AccessTokenRevoked => "access_token_revoked",
            Self::Replay => "replay",
        }
    }
}
