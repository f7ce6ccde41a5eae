//! `authd users`: add, list, set-roles, delete, on the database the server uses.
//!
//! Access tokens are stateless: one already issued keeps the roles it was issued with until
//! its `exp` (at most `AUTHD_ACCESS_TTL`); a deleted user's are ended by a revocation fact.
//! Refresh re-reads the user, so the next refresh carries new roles, and a deleted user's
//! fails.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Subcommand;
use serde_json::json;

use super::format::table;
use crate::domain::{Email, Password, PasswordPolicy, Role};
use crate::http::rfc3339;
use crate::revocation::Revoked;
use crate::settings::Settings;
use crate::store::{connect_stores, connect_user_store, InsertUserError, NewUser, User, UserStore};

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is the first line of standard input.
    Add {
        email: String,
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// List users, oldest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// One JSON document (as `GET /admin/users` answers) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Replace a user's roles (`--none`: take them all away).
    SetRoles {
        email: String,
        #[arg(required_unless_present = "none")]
        roles: Vec<String>,
        #[arg(long, conflicts_with = "roles")]
        none: bool,
    },
    /// Delete a user: their refresh tokens stop working at once.
    Delete { email: String },
}

pub async fn run(command: UsersCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        UsersCommand::Add { email, roles } => add(settings, &email, &roles).await,
        UsersCommand::List {
            limit,
            offset,
            json,
        } => list(&open(settings).await?, limit, offset, json).await,
        UsersCommand::SetRoles { email, roles, .. } => set_roles(settings, &email, &roles).await,
        UsersCommand::Delete { email } => delete(settings, &email).await,
    }
}

async fn set_roles(settings: &Settings, email: &str, roles: &[String]) -> anyhow::Result<()> {
    let roles = parse_roles(roles)?;
    let users = open(settings).await?;
    let user = find(&users, email).await?;
    if !users.set_roles(user.id, &roles).await? {
        bail!("no user with email {}", user.email.as_str());
    }
    let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
    let names = if names.is_empty() {
        "-".to_owned()
    } else {
        names.join(",")
    };
    println!("{}\t{names}", user.email.as_str());
    eprintln!(
        "roles replaced; the next refresh carries them, access tokens already issued keep \
         the old ones until they expire (at most {} s)",
        settings.tokens.access_ttl
    );
    Ok(())
}

/// Deletes the user, after recording the fact that ends their access tokens on every
/// running instance (first: a deletion whose tokens lived on would be worse than a
/// revocation whose deletion must be retried).
async fn delete(settings: &Settings, email: &str) -> anyhow::Result<()> {
    let stores = connect_stores(&settings.database, &settings.redis).await?;
    let user = find(&stores.users, email).await?;
    let now = chrono::Utc::now().timestamp();
    let ttl =
        i64::try_from(settings.tokens.access_ttl + settings.tokens.leeway).unwrap_or(i64::MAX);
    let revoked = Revoked::User {
        sub: user.id,
        gen: Revoked::DELETED,
    };
    (stores.revocations)
        .record(revoked, now.saturating_add(ttl), now)
        .await
        .context("recording the revocation of their access tokens (AUTHD_REDIS_URL)")?;
    if !stores.users.delete(user.id).await? {
        bail!("no user with email {}", user.email.as_str());
    }
    println!("{}", user.id);
    eprintln!(
        "deleted {}: their refresh tokens fail from now on, and their access tokens stop \
         working on every running instance within a second",
        user.email.as_str(),
    );
    Ok(())
}

async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn UserStore>> {
    connect_user_store(&settings.database)
        .await
        .context("AUTHD_DATABASE_URL")
}

async fn find(users: &Arc<dyn UserStore>, email: &str) -> anyhow::Result<User> {
    let parsed = Email::parse(email).map_err(|e| anyhow::anyhow!("invalid email: {e}"))?;
    match users.by_email(&parsed).await? {
        Some(user) => Ok(user),
        None => bail!("no user with email {}", parsed.as_str()),
    }
}

fn parse_roles(roles: &[String]) -> anyhow::Result<Vec<Role>> {
    roles
        .iter()
        .map(|r| Role::parse(r).map_err(|e| anyhow::anyhow!("invalid role '{r}': {e}")))
        .collect()
}

async fn list(
    users: &Arc<dyn UserStore>,
    limit: u32,
    offset: u64,
    as_json: bool,
) -> anyhow::Result<()> {
    let (page, total) = users.list(limit, offset).await?;
    if as_json {
        let page: Vec<_> = page
            .iter()
            .map(|user| {
                json!({
                    "id": user.id,
                    "email": user.email.as_str(),
                    "roles": role_names(user),
                    "created_at": rfc3339(user.created_at),
                })
            })
            .collect();
        let document = json!({"users": page, "total": total});
        println!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = page
        .iter()
        .map(|user| {
            let roles = role_names(user).join(",");
            vec![
                user.id.to_string(),
                user.email.as_str().to_owned(),
                if roles.is_empty() { "-".into() } else { roles },
                rfc3339(user.created_at),
            ]
        })
        .collect();
    println!("{}", table(&["ID", "EMAIL", "ROLES", "CREATED"], &rows));
    eprintln!("{} of {total} user(s), from offset {offset}", page.len());
    Ok(())
}

fn role_names(user: &User) -> Vec<&str> {
    user.roles.iter().map(Role::as_str).collect()
}

async fn add(settings: &Settings, email: &str, roles: &[String]) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("invalid email: {e}"))?;
    let roles = parse_roles(roles)?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']);
    let policy = PasswordPolicy::new(settings.hashing.password_min_length);
    let password = Password::parse(line, &email, &policy)
        .map_err(|e| anyhow::anyhow!("weak password: {e}"))?;
    let hash = settings.hashing.argon2.hash(&password)?;
    let users = open(settings).await?;
    match users.insert(&NewUser::new(email, hash, roles)).await {
        Ok(user) => {
            println!("{}", user.id);
            Ok(())
        }
        Err(InsertUserError::EmailTaken) => bail!("a user with this email already exists"),
        Err(InsertUserError::Store(err)) => Err(anyhow::Error::new(err).context("saving the user")),
    }
}
