//! The stores, timed: each backend is wrapped once at start-up in a decorator that records
//! every operation's latency and failures, so no backend knows about metrics.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use uuid::Uuid;

use super::Metrics;
use crate::domain::{Email, Role};
use crate::revocation::{Fact, Revoked};
use crate::store::{
    CounterStore, InsertUserError, NewUser, RefreshDenylist, Retirement, RevocationStore, Rotation,
    StoreError, Stores, User, UserStore, Window,
};

/// `stores`, each recording its operations into `metrics`.
pub fn instrument(stores: Stores, metrics: &Arc<Metrics>) -> Stores {
    let timed = |store: &'static str| Timed {
        store,
        metrics: metrics.clone(),
    };
    Stores {
        users: Arc::new(Instrumented(stores.users, timed("users"))),
        denylist: Arc::new(Instrumented(stores.denylist, timed("denylist"))),
        counters: Arc::new(Instrumented(stores.counters, timed("counters"))),
        revocations: Arc::new(Instrumented(stores.revocations, timed("revocations"))),
    }
}

struct Timed {
    store: &'static str,
    metrics: Arc<Metrics>,
}

impl Timed {
    /// Runs `operation`, recording its time and whether it failed by `failed`.
    async fn run<T, E>(
        &self,
        operation: &'static str,
        failed: impl Fn(&E) -> bool,
        future: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let started = Instant::now();
        let result = future.await;
        let failed = result.as_ref().err().is_some_and(failed);
        let seconds = started.elapsed().as_secs_f64();
        self.metrics
            .observe_store(self.store, operation, seconds, failed);
        result
    }

    async fn store<T>(
        &self,
        operation: &'static str,
        future: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        self.run(operation, |_| true, future).await
    }
}

struct Instrumented<S: ?Sized>(Arc<S>, Timed);

#[async_trait]
impl UserStore for Instrumented<dyn UserStore> {
    async fn insert(&self, user: &NewUser) -> Result<User, InsertUserError> {
        // A taken email is an answer, not a failure of the store.
        let failed = |err: &InsertUserError| matches!(err, InsertUserError::Store(_));
        self.1.run("insert", failed, self.0.insert(user)).await
    }
    async fn by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.1.store("by_email", self.0.by_email(email)).await
    }
    async fn by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        self.1.store("by_id", self.0.by_id(id)).await
    }
    async fn upgrade_password_hash(
        &self,
        id: Uuid,
        old: &str,
        new: &str,
    ) -> Result<(), StoreError> {
        let upgrade = self.0.upgrade_password_hash(id, old, new);
        self.1.store("upgrade_password_hash", upgrade).await
    }
    async fn change_password(&self, id: Uuid, new_hash: &str) -> Result<(), StoreError> {
        let change = self.0.change_password(id, new_hash);
        self.1.store("change_password", change).await
    }
    async fn bump_generation(&self, id: Uuid) -> Result<(), StoreError> {
        self.1
            .store("bump_generation", self.0.bump_generation(id))
            .await
    }
    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> Result<bool, StoreError> {
        self.1.store("set_roles", self.0.set_roles(id, roles)).await
    }
    async fn delete(&self, id: Uuid) -> Result<bool, StoreError> {
        self.1.store("delete", self.0.delete(id)).await
    }
    async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<User>, u64), StoreError> {
        self.1.store("list", self.0.list(limit, offset)).await
    }
    async fn check(&self) -> Result<(), StoreError> {
        self.1.store("check", self.0.check()).await
    }
}

#[async_trait]
impl RefreshDenylist for Instrumented<dyn RefreshDenylist> {
    async fn rotate(&self, retirement: &Retirement, now: i64) -> Result<Rotation, StoreError> {
        self.1.store("rotate", self.0.rotate(retirement, now)).await
    }
    async fn abandon(&self, retirement: &Retirement) -> Result<(), StoreError> {
        self.1.store("abandon", self.0.abandon(retirement)).await
    }
    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError> {
        let revoke = self.0.revoke_session(sid, expires_at, now);
        self.1.store("revoke_session", revoke).await
    }
    async fn purge_expired(&self, now: i64) -> Result<(), StoreError> {
        self.1
            .store("purge_expired", self.0.purge_expired(now))
            .await
    }
    async fn check(&self) -> Result<(), StoreError> {
        self.1.store("check", self.0.check()).await
    }
}

#[async_trait]
impl CounterStore for Instrumented<dyn CounterStore> {
    async fn increment(&self, key: &str, window: u64, now: i64) -> Result<Window, StoreError> {
        let increment = self.0.increment(key, window, now);
        self.1.store("increment", increment).await
    }
    async fn peek(&self, key: &str, now: i64) -> Result<Window, StoreError> {
        self.1.store("peek", self.0.peek(key, now)).await
    }
    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.1.store("reset", self.0.reset(key)).await
    }
    async fn decrement(&self, key: &str, now: i64) -> Result<(), StoreError> {
        self.1.store("decrement", self.0.decrement(key, now)).await
    }
    async fn take_token(
        &self,
        key: &str,
        per_minute: u32,
        burst: u32,
        now_ms: i64,
    ) -> Result<Option<u64>, StoreError> {
        let take = self.0.take_token(key, per_minute, burst, now_ms);
        self.1.store("take_token", take).await
    }
    async fn check(&self) -> Result<(), StoreError> {
        self.1.store("check", self.0.check()).await
    }
}

#[async_trait]
impl RevocationStore for Instrumented<dyn RevocationStore> {
    async fn record(&self, revoked: Revoked, until: i64, now: i64) -> Result<Fact, StoreError> {
        let record = self.0.record(revoked, until, now);
        self.1.store("record", record).await
    }
    async fn since(&self, since: u64, now: i64) -> Result<Vec<Fact>, StoreError> {
        self.1.store("since", self.0.since(since, now)).await
    }
    async fn last_seq(&self) -> Result<u64, StoreError> {
        self.1.store("last_seq", self.0.last_seq()).await
    }
    async fn purge_expired(&self, now: i64) -> Result<(), StoreError> {
        self.1
            .store("purge_expired", self.0.purge_expired(now))
            .await
    }
    fn pushes(&self) -> bool {
        self.0.pushes()
    }
    async fn listen(&self, deliver: &(dyn Fn(Fact) + Send + Sync)) -> Result<(), StoreError> {
        // A subscription lasts until its connection ends: its time is no latency.
        self.0.listen(deliver).await
    }
}
