//! The resource-server example following authd's revocation feed, both real processes: a
//! logout at authd is refused by the example within a second (its token cache on), and a
//! lost feed is `degraded` or, when the example is told to refuse, `unavailable`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use super::processes::{Authd, ResourceServer};
use super::{get, readiness};

const SECRET: &str = "a-feed-secret-of-some-length";
const TRIALS: usize = 200;

fn authd_with_feed() -> Authd {
    Authd::start_with(
        300,
        &[
            ("AUTHD_REVOCATIONS_TOKEN", SECRET),
            ("AUTHD_LOGIN_MAX_FAILURES", "1000"),
        ],
    )
}

fn example(authd: &Authd, extra: &[&str]) -> ResourceServer {
    let mut flags = vec!["--revocations-token", SECRET, "--revocations-grace", "1"];
    flags.extend_from_slice(extra);
    ResourceServer::start(authd, &flags)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_refuses_a_logged_out_sessions_token_within_a_second() {
    let authd = authd_with_feed();
    let example = example(&authd, &[]);
    let client = reqwest::Client::new();
    authd.access_token(&client, "many@example.com").await;
    let (status, ready) = readiness(&client, &example).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["status"], "ready", "{ready}");
    let hello = example.url("/hello");

    let mut delays = Vec::with_capacity(TRIALS);
    for _ in 0..TRIALS {
        let (access, refresh) = authd.login_pair(&client, "many@example.com").await;
        // Twice: the second answer comes from the example's token cache.
        assert_eq!(get(&client, &hello, &access).await, StatusCode::OK);
        assert_eq!(get(&client, &hello, &access).await, StatusCode::OK);
        authd.logout(&client, &refresh).await;
        let logged_out = Instant::now();
        while get(&client, &hello, &access).await == StatusCode::OK {
            assert!(
                logged_out.elapsed() < Duration::from_secs(5),
                "never refused"
            );
        }
        delays.push(logged_out.elapsed());
        assert_eq!(
            get(&client, &hello, &access).await,
            StatusCode::UNAUTHORIZED
        );
    }

    delays.sort();
    let at = |q: f64| delays[((delays.len() as f64 * q) as usize).min(delays.len() - 1)];
    let (p50, p99, max) = (at(0.50), at(0.99), delays[delays.len() - 1]);
    println!("revocation authd→example ({TRIALS} trials): p50 {p50:?} p99 {p99:?} max {max:?}");
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}");
    let metrics = client.get(example.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains("\nauthd_revocation_feed_current 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("\nauthd_revocation_feed_facts {TRIALS}\n")),
        "{metrics}"
    );
    let hits = metrics
        .lines()
        .find(|l| l.starts_with("resource_token_cache_hits_total "));
    let hits: u64 = hits.unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(hits >= TRIALS as u64, "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_feed_is_degraded_or_when_told_so_refused() {
    let mut authd = authd_with_feed();
    let verifying = example(&authd, &[]);
    let refusing = example(&authd, &["--revocations-stale", "refuse"]);
    let client = reqwest::Client::new();
    let access = authd.access_token(&client, "alive@example.com").await;
    for example in [&verifying, &refusing] {
        assert_eq!(
            get(&client, &example.url("/hello"), &access).await,
            StatusCode::OK
        );
    }

    authd.stop();
    let (status, ready) = once_lost(&client, &refusing).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["status"], "unavailable");
    assert!(ready["revocations"]["last_error"].is_string(), "{ready}");
    let hello = get(&client, &refusing.url("/hello"), &access).await;
    assert_eq!(hello, StatusCode::UNAUTHORIZED);

    let (status, ready) = once_lost(&client, &verifying).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["revocations"]["current"], false, "{ready}");
    let hello = get(&client, &verifying.url("/hello"), &access).await;
    assert_eq!(hello, StatusCode::OK, "signatures still verify");
}

/// The example's readiness once it says its feed is lost (its grace is 1 s).
async fn once_lost(client: &reqwest::Client, example: &ResourceServer) -> (StatusCode, Value) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, ready) = readiness(client, example).await;
        if ready["revocations"]["current"] == false {
            return (status, ready);
        }
        assert!(Instant::now() < deadline, "{ready}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
