//! Statements SQLite and PostgreSQL share word for word (sqlx's SQLite driver binds `$N`
//! by position too). What differs by dialect stays in each backend's module.

/// The columns a user is decoded from, in every query that reads users.
macro_rules! user_columns {
    () => {
        "id, email, password_hash, roles, token_generation, created_at"
    };
}

pub const INSERT_USER: &str =
    "INSERT INTO users (id, email, password_hash, roles, created_at) VALUES ($1, $2, $3, $4, $5)";
pub const USER_BY_EMAIL: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE email = $1");
pub const USER_BY_ID: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
pub const LIST_USERS: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2"
);
pub const COUNT_USERS: &str = "SELECT COUNT(*) FROM users";
pub const UPGRADE_HASH: &str =
    "UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3";
pub const CHANGE_PASSWORD: &str =
    "UPDATE users SET password_hash = $1, token_generation = token_generation + 1 WHERE id = $2";
pub const BUMP_GENERATION: &str =
    "UPDATE users SET token_generation = token_generation + 1 WHERE id = $1";
pub const SET_ROLES: &str = "UPDATE users SET roles = $1 WHERE id = $2";
pub const DELETE_USER: &str = "DELETE FROM users WHERE id = $1";

/// Inserts the retired jti only if the session is not revoked and no row for the jti
/// exists: SQLite runs it under its one write lock; in PostgreSQL concurrent inserts of
/// one jti wait on its primary-key entry and all but the first do nothing.
pub const RETIRE_IF_LIVE: &str =
    "INSERT INTO retired_refresh_tokens (jti, sid, expires_at, successor, successor_expires_at) \
     SELECT $1, $2, $3, $4, $5 \
     WHERE NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE sid = $2 AND expires_at > $6) \
     ON CONFLICT (jti) DO NOTHING";
pub const IS_REVOKED: &str = "SELECT 1 FROM revoked_sessions WHERE sid = $1 AND expires_at > $2";
pub const SUCCESSOR: &str = "SELECT successor FROM retired_refresh_tokens \
     WHERE jti = $1 AND successor IS NOT NULL AND successor_expires_at >= $2";
pub const DENYLIST_PING: &str = "SELECT 1 FROM revoked_sessions LIMIT 1";
/// Only the immediately preceding token of a session keeps its successor.
pub const FORGET_OLDER_SUCCESSORS: &str = "UPDATE retired_refresh_tokens \
     SET successor = NULL, successor_expires_at = NULL \
     WHERE sid = $1 AND jti <> $2 AND successor IS NOT NULL";
