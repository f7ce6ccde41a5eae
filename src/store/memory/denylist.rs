//! The in-memory denylist: one lock makes each rotation atomic.

use std::collections::HashMap;

use async_trait::async_trait;
use parking_lot::Mutex;
use uuid::Uuid;

use crate::store::{RefreshDenylist, Retirement, Rotation, StoreError};

#[derive(Default)]
struct Entries {
    /// jti → (expires_at, successor and its expiry)
    retired: HashMap<Uuid, (i64, Option<(String, i64)>)>,
    /// sid → expires_at
    revoked: HashMap<Uuid, i64>,
}

#[derive(Default)]
pub struct MemoryDenylist {
    entries: Mutex<Entries>,
}

impl MemoryDenylist {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Entries {
    fn prune(&mut self, now: i64) {
        self.retired.retain(|_, (expires_at, _)| *expires_at >= now);
        self.revoked.retain(|_, expires_at| *expires_at >= now);
    }

    fn revoke(&mut self, sid: Uuid, expires_at: i64) {
        let entry = self.revoked.entry(sid).or_insert(expires_at);
        *entry = (*entry).max(expires_at);
    }
}

#[async_trait]
impl RefreshDenylist for MemoryDenylist {
    async fn rotate(&self, r: &Retirement, now: i64) -> Result<Rotation, StoreError> {
        let mut entries = self.entries.lock();
        entries.prune(now);
        if entries
            .revoked
            .get(&r.sid)
            .is_some_and(|until| *until > now)
        {
            return Ok(Rotation::SessionRevoked);
        }
        match entries.retired.get(&r.jti) {
            None => {
                entries
                    .retired
                    .insert(r.jti, (r.jti_expires_at, r.successor.clone()));
                Ok(Rotation::Rotated)
            }
            Some((_, Some((pair, until)))) if *until >= now => Ok(Rotation::Reused(pair.clone())),
            Some(_) => {
                entries.revoke(r.sid, r.session_expires_at);
                Ok(Rotation::Replayed)
            }
        }
    }

    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError> {
        let mut entries = self.entries.lock();
        entries.prune(now);
        entries.revoke(sid, expires_at);
        Ok(())
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
