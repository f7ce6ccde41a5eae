//! The real `authd` binary: it re-reads its keys on SIGHUP, and a bad keys folder (one
//! with no key that can sign included) or setting stops it with one line naming the setting.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use authd::keys::generate::{generate_key, KeyAlgorithm};
use reqwest::StatusCode;

use super::kid_of;
use crate::helpers::{openssl_private_key, openssl_public_key, test_settings, OpensslKey};

/// The real `authd` binary, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `authd` with only the environment a test gives it, run in `dir` (so no stray `.env`).
fn authd(dir: &Path, env: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authd"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.clone())));
    command
}

fn env_for(dir: &Path, bind: &str) -> Vec<(&'static str, String)> {
    let settings = test_settings(dir);
    vec![
        ("AUTHD_BIND", bind.to_owned()),
        ("AUTHD_METRICS_BIND", "off".to_owned()),
        ("AUTHD_DATABASE_URL", settings.database.url.clone()),
        (
            "AUTHD_KEYS_DIR",
            settings.keys.dir.to_str().unwrap().to_owned(),
        ),
        ("AUTHD_ARGON2", "m=64,t=1,p=1".to_owned()),
    ]
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` every 50 ms until it holds or `limit` passes.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn the_binary_reloads_its_keys_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    generate_key(&keys_dir, KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
    let port = free_port();
    let server = Server(
        authd(
            dir.path(),
            &env_for(dir.path(), &format!("127.0.0.1:{port}")),
        )
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("authd starts"),
    );
    let client = reqwest::Client::new();
    let jwks_url = format!("http://127.0.0.1:{port}/.well-known/jwks.json");
    let kids = || async {
        match client.get(&jwks_url).send().await {
            Ok(response) => response
                .json::<jsonwebtoken::jwk::JwkSet>()
                .await
                .map(|set| {
                    set.keys
                        .into_iter()
                        .filter_map(|k| k.common.key_id)
                        .collect()
                })
                .unwrap_or_default(),
            Err(_) => Vec::<String>::new(),
        }
    };
    assert!(
        eventually(Duration::from_secs(20), || async {
            !kids().await.is_empty()
        })
        .await,
        "authd did not come up"
    );
    let new_key = generate_key(&keys_dir, KeyAlgorithm::Es256, chrono::Utc::now()).unwrap();
    let new_kid = kid_of(&new_key);
    assert!(!kids().await.contains(&new_kid));

    let hup = Command::new("kill")
        .args(["-HUP", &server.0.id().to_string()])
        .status()
        .unwrap();

    assert!(hup.success());
    assert!(
        eventually(Duration::from_secs(5), || async {
            kids().await.contains(&new_kid)
        })
        .await,
        "the new key was not published after SIGHUP"
    );
    let health = client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK, "authd survived SIGHUP");
}

fn run_to_exit(mut command: Command) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("authd runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("authd kept running instead of exiting");
        }
    }
}

#[test]
fn an_empty_keys_folder_stops_the_binary_with_one_line_naming_authd_keys_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    let mut command = authd(dir.path(), &env_for(dir.path(), "127.0.0.1:0"));
    command.arg("serve");

    let output = run_to_exit(command);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit {:?}", output.status);
    assert_eq!(stderr.trim().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("AUTHD_KEYS_DIR"), "stderr: {stderr}");
}

#[test]
fn a_missing_keys_folder_stops_the_binary_naming_authd_keys_dir() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = authd(dir.path(), &env_for(dir.path(), "127.0.0.1:0"));
    command.arg("serve");

    let output = run_to_exit(command);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit {:?}", output.status);
    assert_eq!(stderr.trim().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("AUTHD_KEYS_DIR"), "stderr: {stderr}");
}

#[test]
fn an_unreadable_key_stops_the_binary_naming_authd_keys_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    std::fs::write(dir.path().join("keys/k1.pem"), "-----BEGIN NONSENSE-----").unwrap();
    let mut command = authd(dir.path(), &env_for(dir.path(), "127.0.0.1:0"));
    command.arg("serve");

    let output = run_to_exit(command);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit {:?}", output.status);
    assert_eq!(stderr.trim().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("AUTHD_KEYS_DIR"), "stderr: {stderr}");
}

#[test]
fn a_keys_folder_with_only_public_keys_stops_the_binary_naming_authd_keys_dir() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let private = openssl_private_key(elsewhere.path(), "k1", OpensslKey::P256);
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    openssl_public_key(&private, &dir.path().join("keys"), "k1");
    let mut command = authd(dir.path(), &env_for(dir.path(), "127.0.0.1:0"));
    command.arg("serve");

    let output = run_to_exit(command);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit {:?}", output.status);
    assert_eq!(stderr.trim().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("AUTHD_KEYS_DIR"), "stderr: {stderr}");
    assert!(stderr.contains("sign"), "stderr: {stderr}");
}

#[test]
fn a_bad_setting_stops_the_binary_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    generate_key(
        &dir.path().join("keys"),
        KeyAlgorithm::Eddsa,
        chrono::Utc::now(),
    )
    .unwrap();
    let mut env = env_for(dir.path(), "127.0.0.1:0");
    env.push(("AUTHD_ACCESS_TTL", "abc".to_owned()));
    let mut command = authd(dir.path(), &env);
    command.arg("serve");

    let output = run_to_exit(command);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit {:?}", output.status);
    assert_eq!(stderr.trim().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("AUTHD_ACCESS_TTL"), "stderr: {stderr}");
}

#[test]
fn a_bad_flag_value_names_the_setting_too() {
    let dir = tempfile::tempdir().unwrap();
    generate_key(
        &dir.path().join("keys"),
        KeyAlgorithm::Eddsa,
        chrono::Utc::now(),
    )
    .unwrap();
    let mut command = authd(dir.path(), &env_for(dir.path(), "127.0.0.1:0"));
    command.args(["serve", "--refresh-ttl", "0"]);

    let output = run_to_exit(command);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit {:?}", output.status);
    assert!(stderr.contains("AUTHD_REFRESH_TTL"), "stderr: {stderr}");
}

#[test]
fn a_keys_reload_of_zero_stops_the_binary_naming_authd_keys_reload() {
    let dir = tempfile::tempdir().unwrap();
    generate_key(
        &dir.path().join("keys"),
        KeyAlgorithm::Es256,
        chrono::Utc::now(),
    )
    .unwrap();
    let mut env = env_for(dir.path(), "127.0.0.1:0");
    env.push(("AUTHD_KEYS_RELOAD", "0".to_owned()));
    let mut command = authd(dir.path(), &env);
    command.arg("serve");

    let output = run_to_exit(command);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit {:?}", output.status);
    assert_eq!(stderr.trim().lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("AUTHD_KEYS_RELOAD"), "stderr: {stderr}");
}

/// What `make run` does on a fresh clone: `keys generate --if-none` with no `--alg`.
#[test]
fn keys_generate_makes_an_es256_key_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    let mut command = authd(dir.path(), &env_for(dir.path(), "127.0.0.1:0"));
    command.args(["keys", "generate", "--if-none"]);

    let output = run_to_exit(command);

    assert!(output.status.success(), "exit {:?}", output.status);
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(path.ends_with("-es256.pem"), "{path}");
    authd::install_crypto_provider();
    let ring = authd::keys::KeyStore::open(&keys_dir, 300)
        .unwrap()
        .current();
    let kid = ring.kids().next().unwrap().to_owned();
    assert_eq!(ring.get(&kid).unwrap().alg, jsonwebtoken::Algorithm::ES256);
}
