//! What operators rely on, against the real binary: a log that never holds a secret, JSON
//! lines, and a SIGTERM that lets requests in flight finish.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{empty_keys_settings, PASSWORD};

const EMAIL: &str = "ops@example.com";

/// `authd serve` on a free port, its whole log (stderr) going to a file.
struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path, settings: &authd::settings::Settings, env: &[(&str, &str)]) -> Server {
        let log = dir.join(format!("authd-{}.log", uuid::Uuid::new_v4()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_authd"));
        command
            .arg("serve")
            .env("AUTHD_BIND", "127.0.0.1:0")
            .env("AUTHD_DATABASE_URL", &settings.database.url)
            .env("AUTHD_KEYS_DIR", &settings.keys.dir)
            .env("AUTHD_METRICS_BIND", "off")
            .env("AUTHD_ARGON2", "m=64,t=1,p=1")
            .env("AUTHD_IP_RATE_LIMIT", "0")
            .env("AUTHD_COOKIES", "on")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(Stdio::from(std::fs::File::create(&log).expect("log file")));
        // Built at once, so that Drop stops the process whatever happens next.
        let mut server = Server {
            child: command.spawn().expect("authd starts"),
            url: String::new(),
            log,
        };
        for _ in 0..200 {
            let text = std::fs::read_to_string(&server.log).unwrap_or_default();
            if let Some(at) = text.find("authd listening on ") {
                let rest = &text[at + "authd listening on ".len()..];
                let addr: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '"')
                    .collect();
                let port = addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
                server.url = format!("http://127.0.0.1:{port}");
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "authd did not start: {}",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        );
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    fn terminate(&mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
    }

    /// Waits for the process to end; its exit status and whole log.
    fn finish(mut self) -> (std::process::ExitStatus, String) {
        let status = self.child.wait().expect("wait");
        (status, std::fs::read_to_string(&self.log).expect("log"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn key(settings: &authd::settings::Settings) {
    authd::keys::generate::generate_key(
        &settings.keys.dir,
        authd::keys::generate::KeyAlgorithm::Es256,
        chrono::Utc::now(),
    )
    .expect("key");
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

/// Drives every endpoint with real secrets; returns every secret it sent or was given.
async fn drive_every_endpoint(server: &Server) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut secrets = vec![PASSWORD.to_owned(), "wrong password, but secret".to_owned()];
    let post = |path: &str, body: Value| http.post(server.url(path)).json(&body).send();
    post(
        "/auth/register",
        json!({"email": EMAIL, "password": PASSWORD}),
    )
    .await
    .unwrap();
    post(
        "/auth/login",
        json!({"email": EMAIL, "password": secrets[1]}),
    )
    .await
    .unwrap();
    let login = json_of(
        post("/auth/login", json!({"email": EMAIL, "password": PASSWORD}))
            .await
            .unwrap(),
    )
    .await;
    let (access, refresh) = (
        login["access_token"].as_str().unwrap(),
        login["refresh_token"].as_str().unwrap(),
    );
    secrets.extend([access, refresh, login["device_token"].as_str().unwrap()].map(str::to_owned));
    let bearer = format!("Bearer {access}");
    for path in ["/auth/me", "/auth/verify", "/admin/users"] {
        http.get(server.url(path))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
    }
    // Tokens where no token belongs: the query string, the path, a bad Authorization.
    http.get(server.url(&format!("/auth/me?access_token={access}")))
        .send()
        .await
        .unwrap();
    http.get(server.url(&format!("/tokens/{access}")))
        .send()
        .await
        .unwrap();
    http.get(server.url("/auth/me"))
        .header("authorization", format!("Basic {refresh}"))
        .send()
        .await
        .unwrap();
    let refreshed = json_of(
        post("/auth/refresh", json!({"refresh_token": refresh}))
            .await
            .unwrap(),
    )
    .await;
    secrets.push(refreshed["refresh_token"].as_str().unwrap().to_owned());
    post("/auth/refresh", json!({"refresh_token": refresh}))
        .await
        .unwrap(); // grace or replay
    let cookie_login = http
        .post(server.url("/auth/login"))
        .header("x-auth-transport", "cookie")
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = cookie_login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    for cookie in &cookies {
        secrets.push(cookie.split_once('=').unwrap().1.to_owned());
    }
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-authd_csrf="))
        .unwrap();
    http.post(server.url("/auth/refresh"))
        .header("cookie", cookies.join("; "))
        .header("x-csrf-token", csrf.split_once('=').unwrap().1)
        .send()
        .await
        .unwrap();
    let form = [
        ("grant_type", "password"),
        ("username", EMAIL),
        ("password", PASSWORD),
    ];
    let oauth = json_of(
        http.post(server.url("/oauth/token"))
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let oauth_refresh = oauth["refresh_token"].as_str().unwrap().to_owned();
    secrets.push(oauth_refresh.clone());
    http.post(server.url("/oauth/token"))
        .basic_auth("authd", Some(""))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &oauth_refresh),
        ])
        .send()
        .await
        .unwrap();
    http.post(server.url("/oauth/revoke"))
        .form(&[("token", &oauth_refresh)])
        .send()
        .await
        .unwrap();
    let new_password = "a brand new secret passphrase";
    secrets.push(new_password.to_owned());
    http.post(server.url("/auth/password"))
        .header("authorization", &bearer)
        .json(&json!({"current_password": PASSWORD, "new_password": new_password}))
        .send()
        .await
        .unwrap();
    http.post(server.url("/auth/logout-all"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    post("/auth/logout", json!({"refresh_token": refresh}))
        .await
        .unwrap();
    secrets
}

fn assert_no_secret(log: &str, secrets: &[String]) {
    assert!(
        log.contains("authd::access"),
        "no access log at all:\n{log}"
    );
    for secret in secrets {
        assert!(secret.len() >= 12, "too short to grep for: {secret}");
        // A JWT's header is the same for many tokens; its payload and signature are not.
        let needle = secret.rsplit('.').next().unwrap();
        assert!(
            !log.contains(needle),
            "the log holds a secret ({}…):\n{log}",
            &secret[..8]
        );
    }
}

#[tokio::test]
async fn the_debug_log_never_holds_a_password_token_cookie_or_authorization_header() {
    for format in ["text", "json"] {
        let (dir, settings) = empty_keys_settings();
        key(&settings);
        let mut server = Server::start(
            dir.path(),
            &settings,
            &[("RUST_LOG", "debug"), ("AUTHD_LOG_FORMAT", format)],
        );

        let secrets = drive_every_endpoint(&server).await;
        server.terminate();
        let (_, log) = server.finish();

        assert_no_secret(&log, &secrets);
        assert!(
            !log.to_ascii_lowercase().contains("bearer ey"),
            "{format}: an Authorization header"
        );
    }
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_and_requests_carry_their_fields() {
    let (dir, settings) = empty_keys_settings();
    key(&settings);
    let mut server = Server::start(dir.path(), &settings, &[("AUTHD_LOG_FORMAT", "json")]);
    let http = reqwest::Client::new();
    http.post(server.url("/auth/register"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let login: Value = http
        .post(server.url("/auth/login"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let me: Value = http
        .get(server.url("/auth/me"))
        .bearer_auth(login["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    server.terminate();
    let (_, log) = server.finish();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let access: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "authd::access")
        .collect();
    assert_eq!(access.len(), 3, "{log}");
    let me_line = access[2];
    assert_eq!(me_line["method"], "GET");
    assert_eq!(me_line["route"], "/auth/me");
    assert_eq!(me_line["status"], 200);
    assert_eq!(me_line["client_ip"], "127.0.0.1");
    assert_eq!(me_line["user_id"], me["id"]);
    assert!(me_line["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(me_line["ts"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        access[0]["user_id"],
        Value::Null,
        "an anonymous request has no user"
    );
    assert!(lines
        .iter()
        .all(|l| l["level"].is_string() && l["msg"].is_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_logins_and_refreshes_in_flight_finish_and_none_is_half_done() {
    let (dir, settings) = empty_keys_settings();
    key(&settings);
    // A real argon2 cost and one hashing worker, so logins are still running at SIGTERM;
    // no grace window, so a refresh whose answer was lost could not be retried.
    let env = [
        ("AUTHD_ARGON2", "m=19456,t=2,p=1"),
        ("AUTHD_HASH_WORKERS", "1"),
        ("AUTHD_HASH_QUEUE", "16"),
        ("AUTHD_REFRESH_REUSE_GRACE", "0"),
    ];
    let mut server = Server::start(dir.path(), &settings, &env);
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| http.post(path).json(&body).send();
    post(
        server.url("/auth/register"),
        json!({"email": EMAIL, "password": PASSWORD}),
    )
    .await
    .unwrap();
    let mut refresh_tokens = vec![];
    for _ in 0..3 {
        let login = json_of(
            post(
                server.url("/auth/login"),
                json!({"email": EMAIL, "password": PASSWORD}),
            )
            .await
            .unwrap(),
        )
        .await;
        refresh_tokens.push(login["refresh_token"].as_str().unwrap().to_owned());
    }

    let logins: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(post(
                server.url("/auth/login"),
                json!({"email": EMAIL, "password": PASSWORD}),
            ))
        })
        .collect();
    let refreshes: Vec<_> = refresh_tokens
        .iter()
        .map(|token| {
            tokio::spawn(post(
                server.url("/auth/refresh"),
                json!({"refresh_token": token}),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let healthz = server.url("/healthz");
    server.terminate();

    for login in logins {
        let answer = login
            .await
            .unwrap()
            .expect("a login in flight is answered, not cut");
        assert_eq!(answer.status(), StatusCode::OK);
        assert!(json_of(answer).await["access_token"].is_string());
    }
    let mut successors = vec![];
    for refresh in refreshes {
        let answer = refresh
            .await
            .unwrap()
            .expect("a refresh in flight is answered, not cut");
        assert_eq!(answer.status(), StatusCode::OK);
        successors.push(
            json_of(answer).await["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let (status, log) = server.finish();
    assert!(status.success(), "exit {status}:\n{log}");
    assert!(
        reqwest::get(healthz).await.is_err(),
        "nothing listens after the exit"
    );

    // Restarted on the same database: every retired token's successor was issued and works.
    let server = Server::start(dir.path(), &settings, &env);
    for (old, new) in refresh_tokens.iter().zip(&successors) {
        let again = post(server.url("/auth/refresh"), json!({"refresh_token": new}))
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::OK, "the successor works");
        let replay = post(server.url("/auth/refresh"), json!({"refresh_token": old}))
            .await
            .unwrap();
        assert_eq!(
            replay.status(),
            StatusCode::UNAUTHORIZED,
            "the old one was retired"
        );
    }
}
