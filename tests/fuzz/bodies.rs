//! Target: the JSON bodies of register, login, refresh and logout, through a real server on
//! port 0: raw bytes, arbitrary JSON, and bodies shaped like the real ones with hostile
//! values. Never a 5xx, only the statuses API.md lists for the endpoint, a JSON error body
//! whose code fits the status, and an account that registers can log in.

use std::sync::Arc;

use authd::clock::SystemClock;
use authd::startup::Application;
use clap::Parser;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::fuzz;
use super::json::{any_json, email_like, hostile_string};

const PATHS: [&str; 4] = [
    "/auth/register",
    "/auth/login",
    "/auth/refresh",
    "/auth/logout",
];

#[derive(Debug, Clone)]
struct Request {
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let password = prop_oneof![
        3 => hostile_string(40),
        1 => "[a-z ]{15,40}",
        1 => (100usize..200).prop_map(|n| "p".repeat(n)),
    ];
    let field = prop_oneof![
        6 => email_like().prop_map(Value::String),
        1 => any_json(),
    ];
    let shaped = (
        field.clone(),
        password.prop_map(Value::String),
        proptest::option::of(prop_oneof![
            hostile_string(20).prop_map(Value::String),
            any_json()
        ]),
        proptest::option::of(any_json()),
        proptest::collection::vec((hostile_string(8), any_json()), 0..3),
    )
        .prop_map(|(email, password, token, device, extras)| {
            let mut body = json!({"email": email, "password": password});
            if let Some(token) = token {
                body["refresh_token"] = token;
            }
            if let Some(device) = device {
                body["device_token"] = device;
            }
            for (name, value) in extras {
                body[name] = value;
            }
            body.to_string().into_bytes()
        });
    prop_oneof![
        6 => shaped,
        2 => any_json().prop_map(|v| v.to_string().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => (any_json(), 0usize..64).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            text[..cut.min(text.len())].to_vec()
        }),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    let content_type = prop_oneof![
        12 => Just(Some("application/json")),
        1 => Just(Some("application/json; charset=utf-8")),
        1 => Just(None),
        1 => Just(Some("text/plain")),
    ];
    (
        proptest::sample::select(PATHS.to_vec()),
        content_type,
        body(),
    )
        .prop_map(|(path, content_type, body)| Request {
            path,
            content_type,
            body,
        })
}

/// The statuses API.md lets `path` answer, and the error code of each failure.
fn allowed(path: &str, status: u16) -> Option<&'static [&'static str]> {
    let common: &[&str] = match status {
        400 => &["invalid_request"],
        413 => &["payload_too_large"],
        415 => &["unsupported_media_type"],
        _ => &[],
    };
    if !common.is_empty() {
        return Some(common);
    }
    match (path, status) {
        ("/auth/register", 201)
        | ("/auth/login", 200)
        | ("/auth/refresh", 200)
        | ("/auth/logout", 204) => Some(&[]),
        ("/auth/register", 409) => Some(&["email_taken"]),
        ("/auth/register", 422) => Some(&["invalid_email", "weak_password"]),
        ("/auth/login", 401) => Some(&["invalid_credentials"]),
        ("/auth/refresh" | "/auth/logout", 401) => Some(&["invalid_grant"]),
        _ => None,
    }
}

#[test]
fn fuzz_the_json_bodies() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    authd::keys::generate::generate_key(
        &keys,
        authd::keys::generate::KeyAlgorithm::Eddsa,
        chrono::Utc::now(),
    )
    .unwrap();
    let settings = authd::cli::Cli::try_parse_from([
        "authd",
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        &format!("sqlite://{}", dir.path().join("authd.db").display()),
        "--keys-dir",
        keys.to_str().unwrap(),
        "--argon2",
        "m=64,t=1,p=1",
        "--ip-rate-limit",
        "0",
        "--login-max-failures",
        "1000000",
        "--password-min-length",
        "8",
    ])
    .unwrap()
    .settings;
    let base = runtime.block_on(async {
        let app = Application::build_with_clock(settings, Arc::new(SystemClock))
            .await
            .unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        base
    });
    let client = reqwest::Client::new();
    let send = |path: &str, content_type: Option<&str>, body: Vec<u8>| {
        let mut request = client.post(format!("{base}{path}")).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        runtime.block_on(async {
            let response = request.send().await.expect("the server answers");
            let status = response.status().as_u16();
            (status, response.bytes().await.unwrap().to_vec())
        })
    };
    fuzz("json-bodies", request(), |req| {
        let (status, body) = send(req.path, req.content_type, req.body.clone());
        let shown = String::from_utf8_lossy(&req.body);
        let answer = String::from_utf8_lossy(&body);
        prop_assert!(
            status < 500,
            "{} {:?} -> {} {}",
            req.path,
            shown,
            status,
            answer
        );
        let codes = allowed(req.path, status);
        prop_assert!(
            codes.is_some(),
            "{} {:?} -> unexpected {} {}",
            req.path,
            shown,
            status,
            answer
        );
        let codes = codes.unwrap_or_default();
        if !codes.is_empty() {
            let error: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let code = error["error"].as_str().unwrap_or_default();
            prop_assert!(
                codes.contains(&code),
                "{} -> {} with {}",
                req.path,
                status,
                answer
            );
        }
        // An account that registered can log in with the same email and password.
        if req.path == "/auth/register" && status == 201 {
            let sent: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let credentials = json!({"email": sent["email"], "password": sent["password"]});
            let credentials = credentials.to_string().into_bytes();
            let (login, answer) = send("/auth/login", Some("application/json"), credentials);
            prop_assert_eq!(
                login,
                200,
                "login after register {:?}: {}",
                shown,
                String::from_utf8_lossy(&answer)
            );
        }
        Ok(())
    });
    let (status, _) = runtime.block_on(async {
        let response = client.get(format!("{base}/healthz")).send().await.unwrap();
        (response.status().as_u16(), ())
    });
    assert_eq!(status, 200, "the server still answers");
}
