//! `spawn_app()`: a real authd on port 0 with a fresh SQLite database, a fresh key folder
#![allow(dead_code)] // Each helper is used by some test files, not all.
//! and a clock the test can move.

use std::path::PathBuf;
use std::sync::Arc;

use authd::cli::Cli;
use authd::clock::{Clock, ManualClock, SystemClock};
use authd::keys::generate::{generate_key, KeyAlgorithm};
use authd::settings::Settings;
use authd::startup::Application;
use clap::Parser;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The metrics listener's port, when the test turned it on.
    pub metrics_port: Option<u16>,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub settings: Settings,
    pub keys: authd::keys::KeyStore,
    /// Holds the database and keys folders; removed when the test ends.
    pub dir: tempfile::TempDir,
    /// The running server; aborting it stops the server (see [`TestApp::stop`]).
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Settings for a test: port 0, cheap argon2, a fresh database and key folder in `dir`.
pub fn test_settings(dir: &std::path::Path) -> Settings {
    let db = dir.join("authd.db");
    let keys = dir.join("keys");
    let cli = Cli::try_parse_from([
        "authd",
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        &format!("sqlite://{}", db.display()),
        "--keys-dir",
        keys.to_str().unwrap(),
        "--argon2",
        "m=64,t=1,p=1",
        // Most tests log in far more often than a person would; the throttling tests
        // set these back to their defaults.
        "--ip-rate-limit",
        "0",
        "--login-max-failures",
        "1000",
        // Replay tests present a retired token at once; the grace tests turn it back on.
        "--refresh-reuse-grace",
        "0",
        // Many servers run at once; the metrics tests bind their own on port 0.
        "--metrics-bind",
        "off",
    ])
    .expect("test settings parse");
    cli.settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns an app after `customize` has adjusted its settings; one Ed25519 key is made
/// unless the test put keys in `<dir>/keys` itself.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(dir.path());
    customize(&mut settings);
    spawn_app_in(dir, settings).await
}

/// Spawns an app on `settings` whose folders live in `dir`.
pub async fn spawn_app_in(dir: tempfile::TempDir, settings: Settings) -> TestApp {
    let _ = env_logger::builder().is_test(true).try_init();
    let keys_dir: PathBuf = settings.keys.dir.clone();
    let has_key = std::fs::read_dir(&keys_dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if !has_key {
        generate_key(&keys_dir, KeyAlgorithm::Eddsa, chrono::Utc::now()).expect("generate key");
    }
    let clock = ManualClock::starting_at(SystemClock.now());
    let app = Application::build_with_clock(settings.clone(), Arc::new(clock.clone()))
        .await
        .expect("app builds");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let keys = app.keys().clone();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        clock,
        settings,
        keys,
        dir,
        server,
    }
}

/// A logged-in user's tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub device: String,
    pub body: Value,
}

impl TestApp {
    /// A client whose requests come from `ip` (a loopback address such as 127.0.0.2).
    pub fn client_from(&self, ip: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(ip.parse::<std::net::IpAddr>().expect("ip"))
            .build()
            .expect("client")
    }

    /// Stops the server (its listener and workers go away) and hands back its folders and
    /// settings, so a second app can start on the same database and keys.
    pub async fn stop(self) -> (tempfile::TempDir, Settings) {
        self.server.abort();
        let _ = self.server.await;
        (self.dir, self.settings)
    }

    /// The app's own user store, opened on the same database.
    pub async fn user_store(&self) -> std::sync::Arc<dyn authd::store::UserStore> {
        authd::store::connect_user_store(&self.settings.database)
            .await
            .expect("user store")
    }

    /// A request with any body and `Content-Type` (none when `content_type` is `None`).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        let mut request = self.client.post(self.url(path)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send().await.expect("request")
    }

    /// A GET with exactly this `Authorization` header value.
    pub async fn get_with_authorization(&self, path: &str, authorization: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("authorization", authorization)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_with_token(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/auth/register",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post_json("/auth/refresh", &json!({"refresh_token": refresh_token}))
            .await
    }

    pub async fn logout(&self, refresh_token: &str) -> Response {
        self.post_json("/auth/logout", &json!({"refresh_token": refresh_token}))
            .await
    }

    /// Registers `email` with [`PASSWORD`] and logs in.
    pub async fn signed_up(&self, email: &str) -> Tokens {
        assert_eq!(
            self.register(email, PASSWORD).await.status(),
            StatusCode::CREATED
        );
        self.logged_in(email, PASSWORD).await
    }

    pub async fn logged_in(&self, email: &str, password: &str) -> Tokens {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK);
        tokens_from(response.json().await.unwrap())
    }

    /// Creates a user with roles through the same path as `authd users add`.
    pub async fn add_user_with_roles(&self, email: &str, roles: &[&str]) {
        use authd::domain::{Email, Password, PasswordPolicy, Role};
        let email = Email::parse(email).unwrap();
        let password = Password::parse(PASSWORD, &email, &PasswordPolicy::new(15)).unwrap();
        let hash = self.settings.hashing.argon2.hash(&password).unwrap();
        let roles = roles.iter().map(|r| Role::parse(r).unwrap()).collect();
        let users = authd::store::connect_user_store(&self.settings.database)
            .await
            .unwrap();
        users
            .insert(&authd::store::NewUser::new(email, hash, roles))
            .await
            .unwrap();
    }
}

pub fn tokens_from(body: Value) -> Tokens {
    Tokens {
        access: body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        refresh: body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_owned(),
        device: body["device_token"].as_str().unwrap_or_default().to_owned(),
        body,
    }
}

/// Asserts the status and the JSON `error` code of a failure, and returns the body.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "content-type {content_type}"
    );
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["error"], code, "error code in {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
    body
}

/// Decodes a JWT segment without verifying anything (for inspecting test tokens).
pub fn jwt_part(token: &str, index: usize) -> Value {
    use base64::Engine;
    let part = token.split('.').nth(index).expect("segment");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

/// The kinds of key `openssl genpkey` makes for authd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpensslKey {
    Ed25519,
    P256,
    Rsa,
}

/// Writes `<dir>/<kid>.pem`, a PKCS#8 private key made by `openssl genpkey`.
pub fn openssl_private_key(dir: &std::path::Path, kid: &str, kind: OpensslKey) -> PathBuf {
    std::fs::create_dir_all(dir).expect("keys dir");
    let path = dir.join(format!("{kid}.pem"));
    let algorithm: &[&str] = match kind {
        OpensslKey::Ed25519 => &["-algorithm", "ed25519"],
        OpensslKey::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        OpensslKey::Rsa => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    };
    let status = std::process::Command::new("openssl")
        .arg("genpkey")
        .args(algorithm)
        .arg("-out")
        .arg(&path)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl genpkey {kind:?}");
    path
}

/// Writes `<dir>/<kid>.pub.pem`, the SPKI public half of `private`.
pub fn openssl_public_key(private: &std::path::Path, dir: &std::path::Path, kid: &str) -> PathBuf {
    let path = dir.join(format!("{kid}.pub.pem"));
    let status = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(private)
        .arg("-out")
        .arg(&path)
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl pkey -pubout");
    path
}

/// Writes `<dir>/<kid>.hs256`, `len` random bytes.
pub fn hs256_secret(dir: &std::path::Path, kid: &str, len: usize) -> PathBuf {
    use rand::RngCore;
    std::fs::create_dir_all(dir).expect("keys dir");
    let mut secret = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut secret);
    let path = dir.join(format!("{kid}.hs256"));
    std::fs::write(&path, secret).expect("write secret");
    path
}

/// Sets a file's modification time to `seconds_ago` before now, as `cp -p` would. Its
/// change time becomes now, so this does not make a key look published earlier.
pub fn backdate(path: &std::path::Path, seconds_ago: i64) {
    let when = chrono::Utc::now().timestamp() - seconds_ago;
    filetime::set_file_mtime(path, filetime::FileTime::from_unix_time(when, 0)).expect("mtime");
}

impl TestApp {
    /// The JWKS as served.
    pub async fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        let response = self
            .client
            .get(self.url("/.well-known/jwks.json"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JWKS")
    }
}

/// Settings for a test whose keys the test writes itself into `dir/keys`.
pub fn empty_keys_settings() -> (tempfile::TempDir, Settings) {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(dir.path());
    std::fs::create_dir_all(&settings.keys.dir).expect("keys dir");
    (dir, settings)
}

/// Spawns one more instance on `settings` exactly as given: several instances share a
/// database, a Redis and a keys folder this way. A key is made only if the folder has none.
pub async fn spawn_app_on(settings: Settings) -> TestApp {
    spawn_app_in(tempfile::tempdir().expect("temp dir"), settings).await
}
