//! The user store: the accounts, decoded into their newtypes at this boundary.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::{Email, Role};

/// A stored user, every field already parsed: a row that does not decode is a
/// [`StoreError::Corrupt`], never a user with a default in its place.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub roles: Vec<Role>,
    /// Bumped by logout-all and password change: older refresh tokens stop working.
    pub generation: i64,
    pub created_at: DateTime<Utc>,
}

/// A user about to be created.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub created_at: DateTime<Utc>,
}

impl NewUser {
    pub fn new(email: Email, password_hash: String, roles: Vec<Role>) -> Self {
        // Microsecond precision: what both databases keep, so a read-back compares equal.
        let now = Utc::now();
        let created_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
        NewUser {
            id: Uuid::now_v7(),
            email,
            password_hash,
            roles,
            created_at,
        }
    }

    /// The user as stored, at generation 0.
    pub fn stored(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            password_hash: self.password_hash.clone(),
            roles: self.roles.clone(),
            generation: 0,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("email taken")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert(&self, user: &NewUser) -> Result<User, InsertUserError>;
    async fn by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;
    async fn by_id(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    /// Replaces the hash only if it is still `old` (an upgrade must not undo a password change).
    async fn upgrade_password_hash(&self, id: Uuid, old: &str, new: &str)
        -> Result<(), StoreError>;
    /// Sets a new password and bumps the generation.
    async fn change_password(&self, id: Uuid, new_hash: &str) -> Result<(), StoreError>;
    /// Bumps the generation: every refresh token issued before is rejected.
    async fn bump_generation(&self, id: Uuid) -> Result<(), StoreError>;
    /// Replaces the roles of user `id`; `false` when there is no such user. Nothing else
    /// needs bumping: a refresh re-reads the user, so the next access token has them.
    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> Result<bool, StoreError>;
    /// Deletes user `id`; `false` when there is no such user. Their refresh tokens stop
    /// working (a refresh re-reads the user); access tokens live until they expire.
    async fn delete(&self, id: Uuid) -> Result<bool, StoreError>;
    /// Users oldest first, and how many there are.
    async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<User>, u64), StoreError>;
    async fn check(&self) -> Result<(), StoreError>;
}

/// Decodes the stored fields every backend keeps as text.
pub(super) fn decode_email(id: Uuid, raw: &str) -> Result<Email, StoreError> {
    Email::parse(raw).map_err(|e| corrupt(id, "email", e))
}

pub(super) fn decode_roles<S: AsRef<str>>(id: Uuid, raw: &[S]) -> Result<Vec<Role>, StoreError> {
    raw.iter()
        .map(|role| Role::parse(role.as_ref()).map_err(|e| corrupt(id, "role", e)))
        .collect()
}

pub(super) fn corrupt(id: Uuid, field: &str, cause: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{field} of user {id}: {cause}"))
}
