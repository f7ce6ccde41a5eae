//! The embedded default: users and the durable denylist in one SQLite file (WAL mode).

mod denylist;
mod revocations;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::DateTime;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::sql::{
    BUMP_GENERATION, CHANGE_PASSWORD, COUNT_USERS, DELETE_USER, INSERT_USER, LIST_USERS, SET_ROLES,
    UPGRADE_HASH, USER_BY_EMAIL, USER_BY_ID,
};
use super::user::{corrupt, decode_email, decode_roles};
use super::{InsertUserError, NewUser, StoreError, User, UserStore};
use crate::domain::{Email, Role};

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating file and folder) and migrates the database at `url`.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

/// Ids are text, roles a JSON array and times microseconds here; all decoded strictly.
fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<User, StoreError> {
    let raw_id: String = row.try_get("id")?;
    let id = Uuid::parse_str(&raw_id)
        .map_err(|e| StoreError::Corrupt(format!("user id '{raw_id}': {e}")))?;
    let created_at: i64 = row.try_get("created_at")?;
    let roles: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("roles")?)
        .map_err(|e| corrupt(id, "roles", e))?;
    Ok(User {
        id,
        email: decode_email(id, &row.try_get::<String, _>("email")?)?,
        password_hash: row.try_get("password_hash")?,
        roles: decode_roles(id, &roles)?,
        generation: row.try_get("token_generation")?,
        created_at: DateTime::from_timestamp_micros(created_at)
            .ok_or_else(|| corrupt(id, "created_at", created_at))?,
    })
}

fn roles_to_json(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
    serde_json::Value::from(names).to_string()
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert(&self, user: &NewUser) -> Result<User, InsertUserError> {
        let result = sqlx::query(INSERT_USER)
            .bind(user.id.to_string())
            .bind(user.email.as_str())
            .bind(&user.password_hash)
            .bind(roles_to_json(&user.roles))
            .bind(user.created_at.timestamp_micros())
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
            .bind(id.to_string())
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
            .bind(id.to_string())
            .bind(old)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn change_password(&self, id: Uuid, new_hash: &str) -> Result<(), StoreError> {
        sqlx::query(CHANGE_PASSWORD)
            .bind(new_hash)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn bump_generation(&self, id: Uuid) -> Result<(), StoreError> {
        sqlx::query(BUMP_GENERATION)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> Result<bool, StoreError> {
        let done = sqlx::query(SET_ROLES)
            .bind(roles_to_json(roles))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query(DELETE_USER)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<User>, u64), StoreError> {
        let rows = sqlx::query(LIST_USERS)
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = sqlx::query_scalar(COUNT_USERS)
            .fetch_one(&self.pool)
            .await?;
        let users = rows.iter().map(user_from_row).collect::<Result<_, _>>()?;
        Ok((users, total as u64))
    }

    async fn check(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
