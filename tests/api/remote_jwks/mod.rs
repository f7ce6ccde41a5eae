//! The remote-JWKS verifier end to end: the real authd binary, and the resource-server
//! example verifying its tokens through the JWKS with no key file. authd's access log
//! counts the example's JWKS requests, so each test says how often the example fetched:
//! once for hundreds of requests, once more for a rotated key, never once per request.

mod processes;
mod revocations;

use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::jwt_part;
use processes::{Authd, ResourceServer};

/// Flags that keep the example from fetching on its own schedule, so that every JWKS
/// request in the log has a cause the test knows.
const NO_SCHEDULED_FETCH: &[&str] = &["--min-refresh", "600", "--unknown-kid-interval", "600"];

async fn get(client: &reqwest::Client, url: &str, token: &str) -> StatusCode {
    let response = client.get(url).bearer_auth(token).send().await;
    response.expect("request").status()
}

/// `count` requests to `url`, eight at a time; the statuses that came back.
async fn many(client: &reqwest::Client, url: &str, token: &str, count: usize) -> Vec<StatusCode> {
    let mut statuses = Vec::with_capacity(count);
    for _ in 0..count / 8 {
        let batch: Vec<_> = (0..8)
            .map(|_| {
                let (client, url, token) = (client.clone(), url.to_owned(), token.to_owned());
                tokio::spawn(async move { get(&client, &url, &token).await })
            })
            .collect();
        for request in batch {
            statuses.push(request.await.expect("request task"));
        }
    }
    statuses
}

/// `token` with a header naming `kid`, which nobody published.
fn with_kid(token: &str, kid: &str) -> String {
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"at+jwt"}}"#);
    let (_, rest) = token.split_once('.').expect("a JWT");
    format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header))
}

/// Logs `email` in until authd signs with `kid`, once that key qualifies; that token.
async fn token_signed_by(
    authd: &Authd,
    client: &reqwest::Client,
    email: &str,
    kid: &str,
) -> String {
    let start = Instant::now();
    loop {
        let token = authd.login(client, email).await;
        if jwt_part(&token, 0)["kid"] == kid {
            return token;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "authd never signed with {kid}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The JWKS answers once the access log has caught up with the requests made so far.
async fn settled_jwks_answers(authd: &Authd) -> Vec<u16> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    authd.jwks_answers()
}

async fn readiness(client: &reqwest::Client, example: &ResourceServer) -> (StatusCode, Value) {
    let response = client
        .get(example.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_requests_cost_one_jwks_fetch_and_a_rotated_key_one_more_without_a_restart() {
    let authd = Authd::start(1);
    let example = ResourceServer::start(&authd, NO_SCHEDULED_FETCH);
    let client = reqwest::Client::new();
    let old_token = authd.access_token(&client, "alice@example.com").await;

    let statuses = many(&client, &example.url("/hello"), &old_token, 200).await;

    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(
        settled_jwks_answers(&authd).await,
        [200],
        "one fetch, at start"
    );
    let new_kid = authd.add_key();
    let new_token = token_signed_by(&authd, &client, "alice@example.com", &new_kid).await;
    assert_eq!(
        get(&client, &example.url("/hello"), &new_token).await,
        StatusCode::OK
    );
    let after_rotation = settled_jwks_answers(&authd).await;
    assert_eq!(
        after_rotation,
        [200, 200],
        "one more fetch, for the new kid"
    );
    for token in [&old_token, &new_token] {
        let statuses = many(&client, &example.url("/hello"), token, 200).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{statuses:?}"
        );
    }
    assert_eq!(
        get(&client, &example.url("/admin"), &new_token).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        settled_jwks_answers(&authd).await,
        [200, 200],
        "none for the 401 requests since"
    );
    eprintln!("remote JWKS: 602 verified requests, JWKS answers {after_rotation:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kid_nobody_published_costs_at_most_one_jwks_fetch_per_interval() {
    let authd = Authd::start(1);
    let example = ResourceServer::start(&authd, NO_SCHEDULED_FETCH);
    let client = reqwest::Client::new();
    let forged = with_kid(
        &authd.access_token(&client, "bob@example.com").await,
        "nobody",
    );

    let at_once = many(&client, &example.url("/hello"), &forged, 64).await;
    let one_by_one = many(&client, &example.url("/hello"), &forged, 64).await;

    assert!(at_once
        .iter()
        .chain(&one_by_one)
        .all(|s| *s == StatusCode::UNAUTHORIZED));
    let answers = settled_jwks_answers(&authd).await;
    assert_eq!(
        answers,
        [200, 304],
        "the start, then one revalidation for 128 forged kids"
    );
    eprintln!("remote JWKS: 128 forged-kid requests, JWKS answers {answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_authd_is_down_the_example_keeps_verifying_with_the_last_good_keys() {
    let mut authd = Authd::start(300);
    let example = ResourceServer::start(&authd, &["--unknown-kid-interval", "0"]);
    let client = reqwest::Client::new();
    let token = authd.access_token(&client, "carol@example.com").await;
    let (status, ready) = readiness(&client, &example).await;
    assert_eq!(
        (status, ready["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );

    authd.stop();
    // A kid the set lacks makes the example try authd, which is gone.
    let forged = with_kid(&token, "nobody");
    assert_eq!(
        get(&client, &example.url("/hello"), &forged).await,
        StatusCode::UNAUTHORIZED
    );

    let (status, degraded) = readiness(&client, &example).await;
    assert_eq!(
        (status, degraded["status"].as_str()),
        (StatusCode::OK, Some("degraded"))
    );
    let error = degraded["jwks"]["last_error"].as_str().unwrap_or_default();
    assert!(error.starts_with("no answer"), "{degraded}");
    assert_eq!(degraded["jwks"]["kids"], ready["jwks"]["kids"]);
    let statuses = many(&client, &example.url("/hello"), &token, 40).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_revalidates_at_authds_max_age_and_takes_a_new_key_on_schedule() {
    let authd = Authd::start(1);
    let example = ResourceServer::start(&authd, &["--min-refresh", "1"]);
    let client = reqwest::Client::new();
    authd.access_token(&client, "dave@example.com").await;

    tokio::time::sleep(Duration::from_millis(4_500)).await;

    let idle = authd.jwks_answers();
    assert!(
        (3..=7).contains(&idle.len()),
        "about one fetch a second: {idle:?}"
    );
    assert!(
        idle[1..].iter().all(|s| *s == 304),
        "unchanged, so revalidated: {idle:?}"
    );
    let new_kid = authd.add_key();
    let token = token_signed_by(&authd, &client, "dave@example.com", &new_kid).await;
    assert_eq!(
        get(&client, &example.url("/hello"), &token).await,
        StatusCode::OK
    );
    let answers = settled_jwks_answers(&authd).await;
    let sets = answers.iter().filter(|s| **s == 200).count();
    assert_eq!(sets, 2, "the first set and the rotated one: {answers:?}");
    eprintln!("remote JWKS at max-age 1: JWKS answers {answers:?}");
}
