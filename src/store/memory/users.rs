//! The in-memory user store, with the same contract as the SQL ones (unique emails, oldest
//! first); the store tests and the flows' unit tests run on it.

use async_trait::async_trait;
use parking_lot::Mutex;
use uuid::Uuid;

use crate::domain::{Email, Role};
use crate::store::{InsertUserError, NewUser, StoreError, User, UserStore};

#[derive(Default)]
pub struct MemoryUserStore {
    /// Kept ordered by (created_at, id), the order `list` answers in.
    users: Mutex<Vec<User>>,
}

impl MemoryUserStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes user `id`; `false` when there is none.
    fn update(&self, id: Uuid, change: impl FnOnce(&mut User)) -> bool {
        let mut users = self.users.lock();
        let found = users.iter_mut().find(|u| u.id == id);
        found.map(change).is_some()
    }
}

#[async_trait]
impl UserStore for MemoryUserStore {
    async fn insert(&self, user: &NewUser) -> Result<User, InsertUserError> {
        let mut users = self.users.lock();
        if users.iter().any(|u| u.email == user.email) {
            return Err(InsertUserError::EmailTaken);
        }
        let stored = user.stored();
        let at = users.partition_point(|u| (u.created_at, u.id) < (stored.created_at, stored.id));
        users.insert(at, stored.clone());
        Ok(stored)
    }

    async fn by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        Ok(self
            .users
            .lock()
            .iter()
            .find(|u| &u.email == email)
            .cloned())
    }

    async fn by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        Ok(self.users.lock().iter().find(|u| u.id == id).cloned())
    }

    async fn upgrade_password_hash(
        &self,
        id: Uuid,
        old: &str,
        new: &str,
    ) -> Result<(), StoreError> {
        self.update(id, |user| {
            if user.password_hash == old {
                user.password_hash = new.to_owned();
            }
        });
        Ok(())
    }

    async fn change_password(&self, id: Uuid, new_hash: &str) -> Result<(), StoreError> {
        self.update(id, |user| {
            user.password_hash = new_hash.to_owned();
            user.generation += 1;
        });
        Ok(())
    }

    async fn bump_generation(&self, id: Uuid) -> Result<(), StoreError> {
        self.update(id, |user| user.generation += 1);
        Ok(())
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> Result<bool, StoreError> {
        Ok(self.update(id, |user| user.roles = roles.to_vec()))
    }

    async fn delete(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut users = self.users.lock();
        let before = users.len();
        users.retain(|u| u.id != id);
        Ok(users.len() < before)
    }

    async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<User>, u64), StoreError> {
        let users = self.users.lock();
        let page = users
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .cloned()
            .collect();
        Ok((page, users.len() as u64))
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
