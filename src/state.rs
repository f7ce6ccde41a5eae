//! What every handler shares: settings it needs, keys, stores, the hashing pool, the clock.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::domain::PasswordPolicy;
use crate::hashing::PasswordHasher;
use crate::keys::KeyStore;
use crate::settings::TrustedProxies;
use crate::store::{RefreshDenylist, UserStore};
use crate::throttle::Throttle;
use crate::tokens::TokenPolicy;

pub struct AppState {
    pub policy: TokenPolicy,
    pub password_policy: PasswordPolicy,
    pub jwks_max_age: u64,
    pub keys: KeyStore,
    pub clock: SharedClock,
    pub users: Arc<dyn UserStore>,
    pub denylist: Arc<dyn RefreshDenylist>,
    pub hasher: PasswordHasher,
    pub throttle: Throttle,
    pub trusted_proxies: TrustedProxies,
    /// `AUTHD_COOKIES=on`: cookie sessions for browsers.
    pub cookies: bool,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
