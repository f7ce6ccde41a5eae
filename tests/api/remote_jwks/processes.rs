//! The two processes of these tests: the real `authd` binary, whose access log tells how
//! often its JWKS was asked for, and the `resource_server` example, built by the cargo that
//! built these tests. Each is killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use authd::keys::generate::{generate_key, KeyAlgorithm};
use serde_json::{json, Value};

use crate::helpers::PASSWORD;

const JWKS_LINE: &str = "\"GET /.well-known/jwks.json\" ";

/// `authd serve` on a free port with its own database and keys folder.
pub struct Authd {
    child: Child,
    pub port: u16,
    pub keys_dir: PathBuf,
    /// The status of each JWKS answer, from the access log, in order.
    jwks_answers: Arc<Mutex<Vec<u16>>>,
    _dir: tempfile::TempDir,
}

impl Authd {
    /// Publishes JWKS answers fresh for `max_age` seconds and re-reads its keys every
    /// second, so that a new key signs `max_age + 1` seconds after it was written.
    pub fn start(max_age: u64) -> Authd {
        Self::start_with(max_age, &[])
    }

    /// As [`Authd::start`], with more `AUTHD_*` variables.
    pub fn start_with(max_age: u64, env: &[(&str, &str)]) -> Authd {
        let dir = tempfile::tempdir().expect("temp dir");
        let keys_dir = dir.path().join("keys");
        generate_key(&keys_dir, KeyAlgorithm::Es256, chrono::Utc::now()).expect("key");
        let database = format!("sqlite://{}", dir.path().join("authd.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_authd"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(dir.path())
            .env("AUTHD_BIND", "127.0.0.1:0")
            .env("AUTHD_DATABASE_URL", database)
            .env("AUTHD_KEYS_DIR", &keys_dir)
            .env("AUTHD_JWKS_MAX_AGE", max_age.to_string())
            .env("AUTHD_KEYS_RELOAD", "1")
            .env("AUTHD_ARGON2", "m=64,t=1,p=1")
            .env("AUTHD_IP_RATE_LIMIT", "0")
            .env("AUTHD_METRICS_BIND", "off")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .expect("authd starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("authd says where it listens")
                .expect("log");
            if let Some((_, address)) = line.split_once("authd listening on ") {
                break port_of(address);
            }
        };
        let jwks_answers = Arc::new(Mutex::new(Vec::new()));
        let counting = jwks_answers.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some((_, after)) = line.split_once(JWKS_LINE) {
                    let status = after.get(..3).and_then(|s| s.parse().ok()).unwrap_or(0);
                    counting.lock().unwrap().push(status);
                }
            }
        });
        Authd {
            child,
            port,
            keys_dir,
            jwks_answers,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The status of every JWKS answer so far (200 for the set, 304 for "unchanged").
    pub fn jwks_answers(&self) -> Vec<u16> {
        self.jwks_answers.lock().unwrap().clone()
    }

    /// Registers `email` and logs in; the access token.
    pub async fn access_token(&self, client: &reqwest::Client, email: &str) -> String {
        let account = json!({"email": email, "password": PASSWORD});
        let registered = client.post(self.url("/auth/register")).json(&account);
        assert_eq!(registered.send().await.expect("register").status(), 201);
        self.login(client, email).await
    }

    pub async fn login(&self, client: &reqwest::Client, email: &str) -> String {
        self.login_pair(client, email).await.0
    }

    /// Logs `email` in; its access and refresh tokens.
    pub async fn login_pair(&self, client: &reqwest::Client, email: &str) -> (String, String) {
        let account = json!({"email": email, "password": PASSWORD});
        let response = client.post(self.url("/auth/login")).json(&account).send();
        let body: Value = response.await.expect("login").json().await.expect("JSON");
        let token = |name: &str| body[name].as_str().expect(name).to_owned();
        (token("access_token"), token("refresh_token"))
    }

    /// Logs the session of `refresh` out.
    pub async fn logout(&self, client: &reqwest::Client, refresh: &str) {
        let body = json!({ "refresh_token": refresh });
        let response = client.post(self.url("/auth/logout")).json(&body).send();
        assert_eq!(response.await.expect("logout").status(), 204);
    }

    /// Writes a new signing key into the keys folder; its kid.
    pub fn add_key(&self) -> String {
        let path = generate_key(&self.keys_dir, KeyAlgorithm::Eddsa, chrono::Utc::now());
        let path = path.expect("new key");
        path.file_stem()
            .and_then(|s| s.to_str())
            .expect("kid")
            .to_owned()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Authd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `examples/resource_server.rs` on a free port, verifying against `authd`'s JWKS.
pub struct ResourceServer {
    child: Child,
    pub port: u16,
}

impl ResourceServer {
    /// Starts the example with `flags` besides `--authd-url` and `--bind`.
    pub fn start(authd: &Authd, flags: &[&str]) -> ResourceServer {
        let mut child = Command::new(example_binary())
            .env_clear()
            .env("RUST_LOG", "warn")
            .arg("--authd-url")
            .arg(authd.url(""))
            .args(["--bind", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the example starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = lines.next().expect("the example says where it listens");
        let line = line.expect("stdout line");
        let address = line
            .strip_prefix("resource_server listening on ")
            .unwrap_or_else(|| panic!("not the address line: {line}"));
        let port = port_of(address);
        std::thread::spawn(move || lines.for_each(drop));
        ResourceServer { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for ResourceServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn port_of(address: &str) -> u16 {
    let port = address.trim().rsplit(':').next().unwrap_or_default();
    port.parse()
        .unwrap_or_else(|_| panic!("no port in {address:?}"))
}

/// The example's binary, built once per run by the cargo that built this test, into the
/// same target folder and profile. `cargo test --all-targets` (`make test`) has built it
/// already, so this is a no-op there; `cargo test --test api` builds it here.
fn example_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // This test runs as <target>/<profile>/deps/api-<hash>.
        let exe = std::env::current_exe().expect("the test's own path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>");
        let target_dir = profile_dir.parent().expect("the target folder");
        let mut build = Command::new(env!("CARGO"));
        build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "build",
                "--quiet",
                "--example",
                "resource_server",
                "--target-dir",
            ])
            .arg(target_dir);
        match profile_dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") | None => {}
            Some(profile) => {
                build.args(["--profile", profile]);
            }
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "cargo build --example resource_server");
        profile_dir.join("examples").join("resource_server")
    })
}
