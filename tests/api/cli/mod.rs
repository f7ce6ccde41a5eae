//! The operator commands (`keys`, `users`, `token`), run as the real binary on a test's
//! database and keys folder, beside a server on the same ones where it matters.

mod keys;
mod token;
mod users;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use authd::settings::Settings;

/// What one run of `authd` did.
pub(super) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts a failure with exactly one line on stderr, and returns that line.
    pub fn refusal(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert_eq!(
            self.stderr.trim().lines().count(),
            1,
            "stderr: {}",
            self.stderr
        );
        self.stderr.trim()
    }

    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// The line of stdout that mentions `needle`.
    pub fn line_with(&self, needle: &str) -> &str {
        self.stdout
            .lines()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{}", self.stdout))
    }
}

/// `authd ARGS` on `settings`' database and keys folder, with `env` on top and nothing
/// else inherited but `PATH`, in a folder of its own (so no stray `.env`), fed `stdin`.
pub(super) fn authd(settings: &Settings, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Run {
    let cwd = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_authd"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AUTHD_DATABASE_URL", &settings.database.url)
        .env("AUTHD_KEYS_DIR", &settings.keys.dir)
        .env("AUTHD_ARGON2", "m=64,t=1,p=1")
        .envs(env.iter().copied())
        .args(args)
        .current_dir(cwd.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("authd runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("stdin written");
    drop(input);
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => output.expect("authd output"),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("authd {args:?} kept running");
        }
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
