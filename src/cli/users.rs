//! `authd users add`, on the database the server uses.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::domain::{Email, Password, PasswordPolicy, Role};
use crate::settings::Settings;
use crate::store::{connect_user_store, InsertUserError, NewUser, UserStore};

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is the first line of standard input.
    Add {
        email: String,
        #[arg(long = "role")]
        roles: Vec<String>,
    },
}

pub async fn run(command: UsersCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        UsersCommand::Add { email, roles } => add(settings, &email, &roles).await,
    }
}

async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn UserStore>> {
    connect_user_store(&settings.database)
        .await
        .context("AUTHD_DATABASE_URL")
}

fn parse_roles(roles: &[String]) -> anyhow::Result<Vec<Role>> {
    roles
        .iter()
        .map(|r| Role::parse(r).map_err(|e| anyhow::anyhow!("invalid role '{r}': {e}")))
        .collect()
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
