//! PostgreSQL: users (the truth) and the durable denylist, shared by every instance.
//!
//! Same behaviour as [`super::SqliteStore`]; the store tests run against both.

mod denylist;
mod revocations;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::Row;
use uuid::Uuid;

use super::sql::{
    BUMP_GENERATION, CHANGE_PASSWORD, COUNT_USERS, DELETE_USER, INSERT_USER, LIST_USERS, SET_ROLES,
    UPGRADE_HASH, USER_BY_EMAIL, USER_BY_ID,
};
use super::user::{decode_email, decode_roles};
use super::{InsertUserError, NewUser, StoreError, User, UserStore};
use crate::domain::{Email, Role};

/// How long a request waits for a pooled connection before it fails with 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects with at most `max_connections` and runs the migrations. Instances starting
    /// together are safe: sqlx serializes migrations with an advisory lock.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, for tests that look at rows directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn user_from_row(row: &PgRow) -> Result<User, StoreError> {
    let id: Uuid = row.try_get("id")?;
    Ok(User {
        id,
        email: decode_email(id, &row.try_get::<String, _>("email")?)?,
        password_hash: row.try_get("password_hash")?,
        roles: decode_roles(id, &row.try_get::<Vec<String>, _>("roles")?)?,
        generation: row.try_get("token_generation")?,
        created_at: row.try_get::<DateTime<Utc>, _>("created_at")?,
    })
}

/// Roles as the `TEXT[]` column takes them.
fn role_names(roles: &[Role]) -> Vec<&str> {
    roles.iter().map(Role::as_str).collect()
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn insert(&self, user: &NewUser) -> Result<User, InsertUserError> {
        let roles = role_names(&user.roles);
        let result = sqlx::query(INSERT_USER)
            .bind(user.id)
            .bind(user.email.as_str())
            .bind(&user.password_hash)
            .bind(&roles)
            .bind(user.created_at)
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(user.stored()),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                Err(InsertUserError::EmailTaken)
            }
            Err(err) => Err(InsertUserError::Store(err.into())),
        }
    }

    async fn by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(USER_BY_EMAIL)
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(USER_BY_ID)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn upgrade_password_hash(
        &self,
        id: Uuid,
        old: &str,
        new: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(UPGRADE_HASH)
            .bind(new)
            .bind(id)
            .bind(old)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn change_password(&self, id: Uuid, new_hash: &str) -> Result<(), StoreError> {
        sqlx::query(CHANGE_PASSWORD)
            .bind(new_hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn bump_generation(&self, id: Uuid) -> Result<(), StoreError> {
        sqlx::query(BUMP_GENERATION)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> Result<bool, StoreError> {
        let done = sqlx::query(SET_ROLES)
            .bind(role_names(roles))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query(DELETE_USER)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<User>, u64), StoreError> {
        // UUIDs order bytewise here and as lower-case hex text in SQLite: the same order.
        let rows = sqlx::query(LIST_USERS)
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query_scalar(COUNT_USERS)
            .fetch_one(&self.pool)
            .await?;
        let users = rows.iter().map(user_from_row).collect::<Result<_, _>>()?;
        Ok((users, total.max(0) as u64))
    }

    async fn check(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
