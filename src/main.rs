//! The `authd` binary: reads settings, starts logging, runs the chosen command.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is reported by the settings it breaks.
    let _ = dotenvy::dotenv();
    let cli = match authd::cli::Cli::parse_or_explain() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    authd::logging::init(cli.settings.operations.log_format);
    authd::install_crypto_provider();
    match authd::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("authd: {err:#}");
            ExitCode::FAILURE
        }
    }
}
