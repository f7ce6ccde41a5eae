//! The command line: `serve` (the default), `keys generate`, `users add`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::domain::{Email, Password, PasswordPolicy, Role};
use crate::keys::generate::{generate_key, has_key_files, KeyAlgorithm};
use crate::settings::Settings;
use crate::startup::Application;
use crate::store::{connect_user_store, InsertUserError, NewUser};

#[derive(Debug, Parser)]
#[command(
    name = "authd",
    version,
    about = "A stateless JWT bearer-token authentication server"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new PKCS#8 PEM private key `DIR/<kid>.pem`.
    Generate {
        /// ES256 by default: every common JWKS verifier takes it, while Node's
        /// jsonwebtoken + jwks-rsa and fast-jwt + get-jwks cannot verify EdDSA.
        #[arg(long, value_enum, default_value = "es256")]
        alg: KeyAlgorithm,
        /// Folder to write into (default: the keys folder setting).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// Only when the folder holds no key yet (what `make run` uses).
        #[arg(long)]
        if_none: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is the first line of standard input.
    Add {
        email: String,
        #[arg(long = "role")]
        roles: Vec<String>,
    },
}

impl Cli {
    /// Parses the command line, or prints one line naming the bad setting and
    /// returns the exit code (help and version exit 0).
    pub fn parse_or_explain() -> Result<Self, ExitCode> {
        Self::try_parse().map_err(|err| {
            use clap::error::{ContextKind, ContextValue, ErrorKind};
            match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = err.print();
                    ExitCode::SUCCESS
                }
                ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
                    let arg = match err.get(ContextKind::InvalidArg) {
                        Some(ContextValue::String(arg)) => arg.clone(),
                        _ => String::from("a setting"),
                    };
                    let flag = arg.split_whitespace().next().unwrap_or("").to_owned();
                    let env = format!(
                        "AUTHD_{}",
                        flag.trim_start_matches('-')
                            .replace('-', "_")
                            .to_uppercase()
                    );
                    let reason = std::error::Error::source(&err)
                        .map(|s| s.to_string())
                        .unwrap_or_default();
                    let value = match err.get(ContextKind::InvalidValue) {
                        Some(ContextValue::String(v)) => v.clone(),
                        _ => String::new(),
                    };
                    eprintln!("authd: invalid {env} ({flag}) '{value}': {reason}");
                    ExitCode::from(2)
                }
                _ => {
                    let text = err.render().to_string();
                    let first = text.lines().next().unwrap_or("invalid command line");
                    eprintln!("authd: {}", first.trim_start_matches("error: "));
                    ExitCode::from(2)
                }
            }
        })
    }
}

/// Runs the parsed command to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(async {
            let app = Application::build(cli.settings).await?;
            app.run_until_stopped().await.context("running the server")
        }),
        Command::Keys(KeysCommand::Generate { alg, dir, if_none }) => {
            let dir = dir.unwrap_or(cli.settings.keys.dir);
            if if_none && has_key_files(&dir)? {
                return Ok(());
            }
            let path = generate_key(&dir, alg, chrono::Utc::now())?;
            eprintln!("generated a new signing key");
            println!("{}", path.display());
            Ok(())
        }
        Command::Users(UsersCommand::Add { email, roles }) => {
            runtime.block_on(add_user(&cli.settings, &email, &roles))
        }
    }
}

async fn add_user(settings: &Settings, email: &str, roles: &[String]) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("invalid email: {e}"))?;
    let roles = roles
        .iter()
        .map(|r| Role::parse(r).map_err(|e| anyhow::anyhow!("invalid role '{r}': {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
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
    let users = connect_user_store(&settings.database).await?;
    let new_user = NewUser::new(email, hash, roles);
    match users.insert(&new_user).await {
        Ok(user) => {
            println!("{}", user.id);
            Ok(())
        }
        Err(InsertUserError::EmailTaken) => bail!("a user with this email already exists"),
        Err(InsertUserError::Store(err)) => Err(anyhow::Error::new(err).context("saving the user")),
    }
}
