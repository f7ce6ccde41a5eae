//! What every handler shares: settings it needs, keys, stores, the hashing pool, the clock.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::domain::PasswordPolicy;
use crate::hashing::PasswordHasher;
use crate::keys::KeyStore;
use crate::store::{RefreshDenylist, UserStore};
use crate::throttle::CounterStore;
use crate::tokens::TokenPolicy;

pub struct AppState {
    pub policy: TokenPolicy,
    pub password_policy: PasswordPolicy,
    pub jwks_max_age: u64,
    pub keys: KeyStore,
    pub clock: SharedClock,
    pub users: Arc<dyn UserStore>,
    pub denylist: Arc<dyn RefreshDenylist>,
    /// Rate counters: in memory, or in Redis shared by every instance.
    pub counters: Arc<dyn CounterStore>,
    pub hasher: PasswordHasher,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
