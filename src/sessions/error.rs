//! Why a flow failed. `crate::error` turns each into its HTTP answer.

use crate::domain::{EmailError, PasswordError};
use crate::hashing::HashError;
use crate::store::StoreError;
use crate::throttle::ThrottleError;
use crate::tokens::TokenError;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Unknown account or wrong password: one answer for both.
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    /// The refresh token is forged, expired, retired, replayed or of an ended session.
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidGrant,
    /// A valid access token whose user no longer exists.
    #[error("the user of this token no longer exists")]
    UnknownUser,
    #[error(transparent)]
    InvalidEmail(EmailError),
    #[error(transparent)]
    WeakPassword(PasswordError),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Throttled(#[from] ThrottleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hashing(#[from] HashError),
    /// No key can sign, or signing failed: a server fault, never the client's.
    #[error("signing a token")]
    Signing(#[source] TokenError),
    /// A kept successor pair that the presented token does not open.
    #[error("the kept successor pair does not open with the retired token")]
    CorruptSuccessor,
}
