//! Across instances: a logout on A is refused on B within a second (PostgreSQL + Redis,
//! and PostgreSQL alone), measured over 200 trials; a Redis restart loses no live fact.

use std::time::{Duration, Instant};

use authd::settings::Settings;
use reqwest::StatusCode;

use crate::backing::{PrivateRedis, RedisPrefix, TestDatabase, SHARED_REDIS};
use crate::helpers::{spawn_app_on, test_settings, TestApp, PASSWORD};

/// The contract's measure, on PostgreSQL + Redis; PostgreSQL alone polls every 250 ms, so
/// fewer trials keep that test short.
const TRIALS: usize = 200;
const POLLED_TRIALS: usize = 40;

fn settings_on(
    dir: &tempfile::TempDir,
    db: &TestDatabase,
    redis: Option<(&str, &str)>,
) -> Settings {
    let mut settings = test_settings(dir.path());
    settings.database.url = db.url.clone();
    if let Some((url, prefix)) = redis {
        settings.redis.url = Some(url.into());
        settings.redis.prefix = prefix.into();
    }
    settings.throttle.ip_rate_limit = 0;
    settings
}

/// How long after A answered the logout B first refused the access token.
async fn refused_after_logout(a: &TestApp, b: &TestApp, email: &str) -> Duration {
    let login = a.logged_in(email, PASSWORD).await;
    assert_eq!(
        b.get_with_token("/auth/me", &login.access).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        a.logout(&login.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    let logged_out = Instant::now();
    loop {
        let status = b.get_with_token("/auth/me", &login.access).await.status();
        if status == StatusCode::UNAUTHORIZED {
            return logged_out.elapsed();
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            logged_out.elapsed() < Duration::from_secs(5),
            "never refused on B"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Runs the trials and prints the distribution; the p99 must be under a second.
async fn propagation(a: &TestApp, b: &TestApp, label: &str, trials: usize) {
    a.signed_up("many@example.com").await;
    let mut delays = Vec::with_capacity(trials);
    for _ in 0..trials {
        delays.push(refused_after_logout(a, b, "many@example.com").await);
    }
    delays.sort();
    let at = |q: f64| delays[((delays.len() as f64 * q) as usize).min(delays.len() - 1)];
    let (p50, p99, max) = (at(0.50), at(0.99), delays[delays.len() - 1]);
    println!("revocation A→B ({label}, {trials} trials): p50 {p50:?} p99 {p99:?} max {max:?}");
    assert!(p99 < Duration::from_secs(1), "{label}: p99 {p99:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_logout_on_one_instance_is_refused_on_the_other_within_a_second_with_redis() {
    let (dir, db, prefix) = (
        tempfile::tempdir().unwrap(),
        TestDatabase::create().await,
        RedisPrefix::new(),
    );
    let settings = settings_on(&dir, &db, Some((SHARED_REDIS, &prefix.prefix)));
    let a = spawn_app_on(settings.clone()).await;
    let b = spawn_app_on(settings).await;
    propagation(&a, &b, "PostgreSQL + Redis", TRIALS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_logout_on_one_instance_is_refused_on_the_other_within_a_second_on_postgres_alone() {
    let (dir, db) = (tempfile::tempdir().unwrap(), TestDatabase::create().await);
    let settings = settings_on(&dir, &db, None);
    let a = spawn_app_on(settings.clone()).await;
    let b = spawn_app_on(settings).await;
    propagation(&a, &b, "PostgreSQL", POLLED_TRIALS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_restart_loses_no_live_fact() {
    let mut redis = PrivateRedis::start();
    let (dir, db) = (tempfile::tempdir().unwrap(), TestDatabase::create().await);
    let url = redis.url();
    let settings = settings_on(&dir, &db, Some((&url, "authd-test")));
    let a = spawn_app_on(settings.clone()).await;
    let login = a.signed_up("restart@example.com").await;
    assert_eq!(
        a.logout(&login.refresh).await.status(),
        StatusCode::NO_CONTENT
    );

    redis.restart();
    // A gives its live facts back to the emptied Redis at its next poll (1 s with pushes).
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let b = spawn_app_on(settings).await;

    let me = b.get_with_token("/auth/me", &login.access).await;
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "B started after the restart"
    );
    let me = a.get_with_token("/auth/me", &login.access).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_redis_down_a_logout_answers_503_and_readiness_says_the_facts_are_stale() {
    let mut redis = PrivateRedis::start();
    let (dir, db) = (tempfile::tempdir().unwrap(), TestDatabase::create().await);
    let url = redis.url();
    let mut settings = settings_on(&dir, &db, Some((&url, "authd-test")));
    settings.redis.timeout = 1;
    let app = spawn_app_on(settings).await;
    let login = app.signed_up("down@example.com").await;

    redis.stop();
    let logout = app.logout(&login.refresh).await;

    assert_eq!(
        logout.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "no revocation is claimed"
    );
    // Signatures still verify: the token was never revoked.
    assert_eq!(
        app.get_with_token("/auth/me", &login.access).await.status(),
        StatusCode::OK
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ready: serde_json::Value = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ready["checks"]["revocations"] == "down" {
            assert_eq!(ready["status"], "degraded");
            break;
        }
        assert!(Instant::now() < deadline, "{ready}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    redis.restart();
    assert_eq!(
        app.logout(&login.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get_with_token("/auth/me", &login.access).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
