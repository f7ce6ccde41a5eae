//! The embedded default: users and the durable denylist in one SQLite file (WAL mode).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::DateTime;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::{
    roles_from_json, roles_to_json, InsertUserError, NewUser, RefreshDenylist, Retirement,
    Rotation, StoreError, User, UserStore,
};
use crate::domain::Email;

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

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<User, StoreError> {
    let id: String = row.try_get("id")?;
    let created_at: i64 = row.try_get("created_at")?;
    Ok(User {
        id: Uuid::parse_str(&id).map_err(|e| StoreError(e.into()))?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        roles: roles_from_json(&row.try_get::<String, _>("roles")?),
        generation: row.try_get("token_generation")?,
        created_at: DateTime::from_timestamp_micros(created_at).unwrap_or_default(),
    })
}

const USER_COLUMNS: &str = "id, email, password_hash, roles, token_generation, created_at";

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert(&self, user: &NewUser) -> Result<User, InsertUserError> {
        let result = sqlx::query(
            "INSERT INTO users (id, email, password_hash, roles, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(user.id.to_string())
        .bind(user.email.as_str())
        .bind(&user.password_hash)
        .bind(roles_to_json(&user.roles))
        .bind(user.created_at.timestamp_micros())
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(User {
                id: user.id,
                email: user.email.as_str().to_owned(),
                password_hash: user.password_hash.clone(),
                roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                generation: 0,
                created_at: user.created_at,
            }),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                Err(InsertUserError::EmailTaken)
            }
            Err(err) => Err(InsertUserError::Store(err.into())),
        }
    }

    async fn by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?"))
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
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
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?")
            .bind(new)
            .bind(id.to_string())
            .bind(old)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn change_password(&self, id: Uuid, new_hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET password_hash = ?, token_generation = token_generation + 1 WHERE id = ?")
            .bind(new_hash)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn bump_generation(&self, id: Uuid) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET token_generation = token_generation + 1 WHERE id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn list(&self, limit: u32, offset: u64) -> Result<(Vec<User>, u64), StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id LIMIT ? OFFSET ?"
        ))
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
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

#[async_trait]
impl RefreshDenylist for SqliteStore {
    async fn rotate(&self, r: &Retirement, now: i64) -> Result<Rotation, StoreError> {
        let (successor, successor_expires_at) = match &r.successor {
            Some((pair, until)) => (Some(pair.as_str()), Some(*until)),
            None => (None, None),
        };
        // One statement decides the winner: it inserts the jti only if the session is not
        // revoked and no row for the jti exists. SQLite runs it under one write lock.
        let won = sqlx::query(
            "INSERT INTO retired_refresh_tokens (jti, sid, expires_at, successor, successor_expires_at) \
             SELECT ?1, ?2, ?3, ?4, ?5 \
             WHERE NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE sid = ?2 AND expires_at > ?6) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(r.jti.to_string())
        .bind(r.sid.to_string())
        .bind(r.jti_expires_at)
        .bind(successor)
        .bind(successor_expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if won {
            self.prune(now).await?;
            return Ok(Rotation::Rotated);
        }
        if self.is_revoked(r.sid, now).await? {
            return Ok(Rotation::SessionRevoked);
        }
        let reused: Option<String> = sqlx::query_scalar(
            "SELECT successor FROM retired_refresh_tokens \
             WHERE jti = ? AND successor IS NOT NULL AND successor_expires_at >= ?",
        )
        .bind(r.jti.to_string())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        if let Some(pair) = reused {
            return Ok(Rotation::Reused(pair));
        }
        self.revoke_session(r.sid, r.session_expires_at, now)
            .await?;
        Ok(Rotation::Replayed)
    }

    async fn revoke_session(&self, sid: Uuid, expires_at: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO revoked_sessions (sid, expires_at) VALUES (?, ?) \
             ON CONFLICT (sid) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)",
        )
        .bind(sid.to_string())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        self.prune(now).await
    }

    async fn check(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1 FROM revoked_sessions LIMIT 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl SqliteStore {
    async fn is_revoked(&self, sid: Uuid, now: i64) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM revoked_sessions WHERE sid = ? AND expires_at > ?")
            .bind(sid.to_string())
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Expired entries go as a side effect of writes; successors outlive no grace window.
    async fn prune(&self, now: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM retired_refresh_tokens WHERE expires_at < ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM revoked_sessions WHERE expires_at < ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "UPDATE retired_refresh_tokens SET successor = NULL, successor_expires_at = NULL \
             WHERE successor_expires_at < ?",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
