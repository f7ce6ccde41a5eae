//! Drives an authd deployment for `make cluster` (scripts/cluster.sh).
//!
//! `cluster_drive churn URL SECONDS`: login → refresh ×3 → logout cycles from 4 clients
//! while the script stops and restarts an instance. Every answer must be the expected one
//! (nginx retries what it safely can), and every retired or logged-out refresh token is
//! tried again at the end: none may work. Exit 1 on any violation.
//!
//! `cluster_drive load URL SECONDS WORKERS`: each worker logs in once, then refreshes as
//! fast as it can; prints refreshes per second.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, url) = (args.get(1).map(String::as_str), args.get(2).cloned());
    let seconds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let url = url
        .ok_or_else(|| anyhow::anyhow!("usage: cluster_drive churn|load URL SECONDS [WORKERS]"))?;
    let client = Client::builder().timeout(Duration::from_secs(10)).build()?;
    match mode {
        Some("churn") => churn(client, url, seconds).await,
        Some("load") => {
            let workers: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(16);
            load(client, url, seconds, workers).await
        }
        _ => anyhow::bail!("usage: cluster_drive churn|load URL SECONDS [WORKERS]"),
    }
}

async fn post(
    client: &Client,
    url: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<(StatusCode, Value)> {
    let response = client
        .post(format!("{url}{path}"))
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

async fn user(client: &Client, url: &str) -> anyhow::Result<String> {
    let email = format!("drive-{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, body) = post(
        client,
        url,
        "/auth/register",
        json!({"email": email, "password": PASSWORD}),
    )
    .await?;
    anyhow::ensure!(status == StatusCode::CREATED, "register: {status} {body}");
    Ok(email)
}

async fn login(client: &Client, url: &str, email: &str) -> anyhow::Result<String> {
    let (status, body) = post(
        client,
        url,
        "/auth/login",
        json!({"email": email, "password": PASSWORD}),
    )
    .await?;
    anyhow::ensure!(status == StatusCode::OK, "login: {status} {body}");
    Ok(body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn refresh(client: &Client, url: &str, token: &str) -> anyhow::Result<String> {
    let (status, body) = post(
        client,
        url,
        "/auth/refresh",
        json!({"refresh_token": token}),
    )
    .await?;
    anyhow::ensure!(status == StatusCode::OK, "refresh: {status} {body}");
    Ok(body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// One client's cycles until `deadline`: (cycles done, failures, dead tokens to try later).
async fn churn_client(
    client: Client,
    url: String,
    deadline: Instant,
) -> (u64, Vec<String>, Vec<String>) {
    let (mut cycles, mut failures, mut dead) = (0, Vec::new(), Vec::new());
    let email = match user(&client, &url).await {
        Ok(email) => email,
        Err(err) => return (0, vec![err.to_string()], dead),
    };
    while Instant::now() < deadline {
        let cycle = async {
            let mut token = login(&client, &url, &email).await?;
            for _ in 0..3 {
                let next = refresh(&client, &url, &token).await?;
                dead.push(std::mem::replace(&mut token, next));
            }
            let (status, body) = post(
                &client,
                &url,
                "/auth/logout",
                json!({"refresh_token": token}),
            )
            .await?;
            anyhow::ensure!(status == StatusCode::NO_CONTENT, "logout: {status} {body}");
            dead.push(token);
            anyhow::Ok(())
        };
        match cycle.await {
            Ok(()) => cycles += 1,
            Err(err) => failures.push(format!("{err:#}")),
        }
    }
    (cycles, failures, dead)
}

async fn churn(client: Client, url: String, seconds: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..4)
        .map(|_| tokio::spawn(churn_client(client.clone(), url.clone(), deadline)))
        .collect();
    let (mut cycles, mut failures, mut dead) = (0, Vec::new(), Vec::new());
    for task in tasks {
        let (c, f, d) = task.await?;
        cycles += c;
        failures.extend(f);
        dead.extend(d);
    }
    let mut resurrected = 0;
    for token in &dead {
        let (status, _) = post(
            &client,
            &url,
            "/auth/refresh",
            json!({"refresh_token": token}),
        )
        .await?;
        if status != StatusCode::UNAUTHORIZED {
            resurrected += 1;
            eprintln!("a retired or logged-out token answered {status}");
        }
    }
    println!(
        "churn: {cycles} login/refresh×3/logout cycles, {} failed requests, {} dead tokens re-tried, {resurrected} worked",
        failures.len(),
        dead.len()
    );
    for failure in failures.iter().take(10) {
        eprintln!("  failure: {failure}");
    }
    anyhow::ensure!(
        failures.is_empty() && resurrected == 0,
        "churn found violations"
    );
    Ok(())
}

async fn load(client: Client, url: String, seconds: u64, workers: usize) -> anyhow::Result<()> {
    let mut tokens = Vec::new();
    for _ in 0..workers {
        let email = user(&client, &url).await?;
        tokens.push(login(&client, &url, &email).await?);
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|mut token| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let (mut done, mut failed) = (0u64, None);
                while Instant::now() < deadline {
                    match refresh(&client, &url, &token).await {
                        Ok(next) => {
                            token = next;
                            done += 1;
                        }
                        Err(err) => {
                            failed = Some(format!("{err:#}"));
                            break;
                        }
                    }
                }
                (done, failed)
            })
        })
        .collect();
    let (mut done, mut failed) = (0, Vec::new());
    for task in tasks {
        let (d, f) = task.await?;
        done += d;
        failed.extend(f);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "load: {done} refreshes in {elapsed:.1} s with {workers} workers = {:.0} refreshes/s ({} workers stopped by a failure)",
        done as f64 / elapsed,
        failed.len()
    );
    if let Some(first) = failed.first() {
        println!("  first failure: {first}");
    }
    Ok(())
}
