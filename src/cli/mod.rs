//! The command line: `serve` (the default), and the operator's commands, one module per
//! group: `keys` (generate, list, prune), `users` (add, list, set-roles, delete) and
//! `token inspect`. Every command reads the same settings as `serve`, so it acts on the
//! same database and keys as the running server.

mod format;
mod keys;
mod token;
mod users;

use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};

pub use keys::KeysCommand;
pub use token::{TokenCommand, TokenKind};
pub use users::UsersCommand;

use crate::settings::Settings;
use crate::startup::Application;

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
    /// Look into tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

impl Cli {
    /// Parses the command line, or prints one line naming the bad setting and
    /// returns the exit code (help and version exit 0).
    pub fn parse_or_explain() -> Result<Self, ExitCode> {
        Self::try_parse().map_err(|err| {
            use clap::error::ErrorKind;
            match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = err.print();
                    ExitCode::SUCCESS
                }
                ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
                    eprintln!("authd: {}", explain_bad_value(&err));
                    ExitCode::from(2)
                }
                _ => {
                    // The first paragraph, on one line: a missing argument is named on
                    // the line after clap's first.
                    let text = err.render().to_string();
                    let first: Vec<&str> = text
                        .lines()
                        .take_while(|line| !line.trim().is_empty())
                        .map(str::trim)
                        .collect();
                    let first = first.join(" ");
                    eprintln!("authd: {}", first.trim_start_matches("error: "));
                    ExitCode::from(2)
                }
            }
        })
    }
}

/// `invalid AUTHD_X (--x) 'value': reason` for a setting, `invalid --x 'value': reason` for
/// a command's own option.
fn explain_bad_value(err: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let arg = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg.clone(),
        _ => String::from("a setting"),
    };
    let flag = arg.split_whitespace().next().unwrap_or("").to_owned();
    let reason = std::error::Error::source(err)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let value = match err.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(v)) => v.clone(),
        _ => String::new(),
    };
    let long = flag.trim_start_matches('-');
    let is_setting = Cli::command()
        .get_arguments()
        .any(|a| a.get_long() == Some(long) && a.get_env().is_some());
    if is_setting {
        let env = format!("AUTHD_{}", long.replace('-', "_").to_uppercase());
        format!("invalid {env} ({flag}) '{value}': {reason}")
    } else {
        format!("invalid {arg} '{value}': {reason}")
    }
}

/// Runs the parsed command to completion; its exit code (`token inspect` has its own).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime()?.block_on(async {
            let app = Application::build(cli.settings).await?;
            app.run_until_stopped().await.context("running the server")
        })?,
        Command::Keys(command) => keys::run(command, &cli.settings)?,
        Command::Users(command) => runtime()?.block_on(users::run(command, &cli.settings))?,
        Command::Token(command) => return Ok(token::run(command, &cli.settings)),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
