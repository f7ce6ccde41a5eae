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
    /// sid → its newest retired jti, the only one whose successor may be handed out again
    newest: HashMap<Uuid, Uuid>,
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
        for (_, successor) in self.retired.values_mut() {
            if successor.as_ref().is_some_and(|(_, until)| *until < now) {
                *successor = None;
            }
        }
        let retired = &self.retired;
        self.newest.retain(|_, jti| retired.contains_key(jti));
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
                entries.newest.insert(r.sid, r.jti);
                Ok(Rotation::Rotated)
            }
            Some((_, Some((pair, until))))
                if *until >= now && entries.newest.get(&r.sid) == Some(&r.jti) =>
            {
                Ok(Rotation::Reused(pair.clone()))
            }
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

    async fn purge_expired(&self, now: i64) -> Result<(), StoreError> {
        self.entries.lock().prune(now);
        Ok(())
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
