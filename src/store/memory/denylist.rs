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

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_900_000_000;

    /// Retired tokens, kept successors, revoked sessions, sessions with a newest token.
    fn held(d: &MemoryDenylist) -> (usize, usize, usize, usize) {
        let entries = d.entries.lock();
        let successors = entries.retired.values().filter(|(_, s)| s.is_some());
        (
            entries.retired.len(),
            successors.count(),
            entries.revoked.len(),
            entries.newest.len(),
        )
    }

    fn retirement() -> Retirement {
        Retirement {
            jti: Uuid::new_v4(),
            sid: Uuid::new_v4(),
            jti_expires_at: NOW + 600,
            session_expires_at: NOW + 3_600,
            successor: Some(("pair".into(), NOW + 30)),
            attempt: Uuid::new_v4(),
        }
    }

    #[tokio::test]
    async fn an_idle_denylist_forgets_each_entry_on_the_timer_once_it_expires() {
        let d = MemoryDenylist::new();
        for _ in 0..3 {
            assert_eq!(
                d.rotate(&retirement(), NOW).await.unwrap(),
                Rotation::Rotated
            );
        }
        d.revoke_session(Uuid::new_v4(), NOW + 100, NOW)
            .await
            .unwrap();
        assert_eq!(held(&d), (3, 3, 1, 3));
        // No write from here on: only the timer's purge runs. Each entry lasts up to and
        // including its last second.
        d.purge_expired(NOW + 30).await.unwrap();
        assert_eq!(held(&d), (3, 3, 1, 3));
        d.purge_expired(NOW + 31).await.unwrap();
        assert_eq!(held(&d), (3, 0, 1, 3), "successors past their grace window");
        d.purge_expired(NOW + 100).await.unwrap();
        assert_eq!(held(&d), (3, 0, 1, 3));
        d.purge_expired(NOW + 101).await.unwrap();
        assert_eq!(
            held(&d),
            (3, 0, 0, 3),
            "a revocation past its session's end"
        );
        d.purge_expired(NOW + 600).await.unwrap();
        assert_eq!(held(&d), (3, 0, 0, 3));
        d.purge_expired(NOW + 601).await.unwrap();
        assert_eq!(held(&d), (0, 0, 0, 0), "retired tokens past their expiry");
    }
}
