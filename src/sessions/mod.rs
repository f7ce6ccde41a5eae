//! The request flows, out of the handlers: accounts are created, sessions start (login),
//! rotate (refresh) and end (logout, logout-all, password change). A *session* is one login:
//! every token minted from it shares its `sid`. Each flow takes `now` as a parameter and
//! returns a [`SessionError`], so it is unit-testable on the memory stores without HTTP.

mod accounts;
mod credentials;
mod error;
mod login;
mod logout;
mod pair;
mod revocations;
mod rotation;

use std::sync::Arc;

pub use error::SessionError;
pub use login::{LoggedIn, LoginAttempt};
pub use pair::issue_token_pair;
pub use revocations::{Revocations, REVOCATION_POLL};

use crate::domain::PasswordPolicy;
use crate::hashing::PasswordHasher;
use crate::metrics::Metrics;
use crate::store::{RefreshDenylist, UserStore};
use crate::throttle::Throttle;
use crate::tokens::TokenPolicy;

/// What the flows share: the stores, the hashing pool, the throttle and the rules.
pub struct Sessions {
    pub users: Arc<dyn UserStore>,
    pub denylist: Arc<dyn RefreshDenylist>,
    pub hasher: PasswordHasher,
    pub throttle: Arc<Throttle>,
    pub policy: TokenPolicy,
    pub passwords: PasswordPolicy,
    /// Seconds a device token lives (`AUTHD_DEVICE_TTL`).
    pub device_ttl: i64,
    /// Where the flows count their outcomes.
    pub metrics: Arc<Metrics>,
    /// The facts that end access tokens early, shared with every instance.
    pub revocations: Arc<Revocations>,
}

#[cfg(test)]
mod tests;
