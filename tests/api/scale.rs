//! Many instances that agree: two authd instances sharing PostgreSQL and Redis, and what
//! happens when Redis goes away and comes back.

use std::time::{Duration, Instant};

use authd::settings::Settings;
use reqwest::StatusCode;
use serde_json::Value;

use crate::backing::{PrivateRedis, RedisPrefix, TestDatabase, SHARED_REDIS};
use crate::helpers::{assert_error, spawn_app_on, test_settings, tokens_from, TestApp, PASSWORD};

/// What two instances share: a database, a Redis prefix, a keys folder.
struct Shared {
    _db: TestDatabase,
    _redis: Option<RedisPrefix>,
    _dir: tempfile::TempDir,
    settings: Settings,
}

impl Shared {
    /// PostgreSQL for users; Redis for the denylist when `with_redis`, else PostgreSQL's.
    async fn new(with_redis: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = TestDatabase::create().await;
        let redis = with_redis.then(RedisPrefix::new);
        let mut settings = test_settings(dir.path());
        settings.database.url = db.url.clone();
        if let Some(redis) = &redis {
            settings.redis.url = Some(SHARED_REDIS.into());
            settings.redis.prefix = redis.prefix.clone();
        }
        // These tests are about agreement, not throttling: one client IP sends them all.
        settings.throttle.ip_rate_limit = 0;
        Shared {
            _db: db,
            _redis: redis,
            _dir: dir,
            settings,
        }
    }

    /// Two instances, started one after the other so that the first makes the shared key.
    async fn two_instances(&self) -> (TestApp, TestApp) {
        let a = spawn_app_on(self.settings.clone()).await;
        let b = spawn_app_on(self.settings.clone()).await;
        (a, b)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replay_on_one_instance_revokes_the_session_on_every_instance() {
    let shared = Shared::new(true).await;
    let (a, b) = shared.two_instances().await;
    let first = a.signed_up("replay@example.com").await;

    let second = b.refresh(&first.refresh).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second = tokens_from(second.json().await.unwrap());

    assert_error(
        a.refresh(&first.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    // The replay revoked the session: its newest token is dead on both instances.
    assert_error(
        b.refresh(&second.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    assert_error(
        a.refresh(&second.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    // Another login of the same user is a new session and works.
    let again = b
        .logged_in("replay@example.com", crate::helpers::PASSWORD)
        .await;
    assert_eq!(a.refresh(&again.refresh).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_logout_on_one_instance_is_felt_on_the_other() {
    let shared = Shared::new(true).await;
    let (a, b) = shared.two_instances().await;
    let tokens = a.signed_up("logout@example.com").await;
    assert_eq!(
        b.logout(&tokens.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        a.refresh(&tokens.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
}

/// 16 refreshes of one token, split across two instances: exactly one new pair.
async fn race_across(a: &TestApp, b: &TestApp, email: &str) {
    let tokens = a.signed_up(email).await;
    let requests = (0..16).map(|i| {
        let app = if i % 2 == 0 { a } else { b };
        app.refresh(&tokens.refresh)
    });
    let statuses: Vec<StatusCode> = futures_join_all(requests).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
}

async fn futures_join_all<F>(requests: impl Iterator<Item = F>) -> Vec<StatusCode>
where
    F: std::future::Future<Output = reqwest::Response>,
{
    let mut set = Vec::new();
    for request in requests {
        set.push(request);
    }
    let mut statuses = Vec::new();
    // Sent together: every future is polled at once by join_all-like polling below.
    let responses = join_all(set).await;
    for response in responses {
        statuses.push(response.status());
    }
    statuses
}

/// A tiny join_all, so the tests need no futures crate.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_across_instances_have_one_winner_with_redis() {
    let shared = Shared::new(true).await;
    let (a, b) = shared.two_instances().await;
    race_across(&a, &b, "race-redis@example.com").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_across_instances_have_one_winner_with_postgres_alone() {
    let shared = Shared::new(false).await;
    let (a, b) = shared.two_instances().await;
    race_across(&a, &b, "race-pg@example.com").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_on_the_other_instance_within_grace_gets_the_same_pair() {
    let mut shared = Shared::new(true).await;
    shared.settings.tokens.refresh_reuse_grace = 30;
    let (a, b) = shared.two_instances().await;
    let tokens = a.signed_up("grace@example.com").await;
    let on_a: Value = a.refresh(&tokens.refresh).await.json().await.unwrap();
    let on_b: Value = b.refresh(&tokens.refresh).await.json().await.unwrap();
    assert!(on_a["refresh_token"].is_string(), "{on_a}");
    assert_eq!(on_a, on_b);
}

async fn readyz(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "/readyz stays 200");
    response.json().await.unwrap()
}

async fn eventually<F, Fut>(what: &str, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if attempt().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("never happened: {what}");
}

async fn app_on_private_redis(redis: &PrivateRedis, dir: &tempfile::TempDir) -> TestApp {
    let mut settings = test_settings(dir.path());
    settings.redis.url = Some(redis.url());
    settings.throttle.ip_rate_limit = 0;
    spawn_app_on(settings).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_redis_down_sessions_fail_closed_and_recover_without_a_restart() {
    let mut redis = PrivateRedis::start();
    let dir = tempfile::tempdir().unwrap();
    let app = app_on_private_redis(&redis, &dir).await;
    let tokens = app.signed_up("outage@example.com").await;

    redis.stop();
    let started = Instant::now();
    let refresh = app.refresh(&tokens.refresh).await;
    assert!(refresh.headers().contains_key("retry-after"), "Retry-After");
    assert_error(refresh, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    let logout = app.logout(&tokens.refresh).await;
    assert!(logout.headers().contains_key("retry-after"), "Retry-After");
    assert_error(logout, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(6), "failing fast");
    // Access tokens need no store.
    let me = app.get_with_token("/auth/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    let ready = readyz(&app).await;
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["checks"]["denylist"], "down", "{ready}");
    assert_eq!(ready["checks"]["database"], "ok", "{ready}");

    redis.restart();
    // Nothing was retired while Redis was down: the same token refreshes once it is back.
    let deadline = Instant::now() + Duration::from_secs(15);
    let next = loop {
        let response = app.refresh(&tokens.refresh).await;
        if response.status() == StatusCode::OK {
            break tokens_from(response.json().await.unwrap());
        }
        assert!(Instant::now() < deadline, "refresh never worked again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(readyz(&app).await["status"], "ready");
    assert_eq!(
        app.logout(&next.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        app.refresh(&next.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authd_starts_while_redis_is_down_and_connects_when_it_appears() {
    let mut redis = PrivateRedis::start();
    redis.stop();
    let dir = tempfile::tempdir().unwrap();
    let app = app_on_private_redis(&redis, &dir).await;
    let ready = readyz(&app).await;
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["checks"]["denylist"], "down", "{ready}");
    // The failed-login counters live in that Redis too: login fails closed.
    assert_eq!(
        app.register("late@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let response = app.login("late@example.com", PASSWORD).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

    redis.restart();
    eventually("readyz says ready", || async {
        readyz(&app).await["status"] == "ready"
    })
    .await;
    let tokens = app.logged_in("late@example.com", PASSWORD).await;
    assert_eq!(app.refresh(&tokens.refresh).await.status(), StatusCode::OK);
}

/// A Redis stall: the rotation script is sent, the wait times out (503), and Redis runs the
/// script when it wakes. The client's retry with the same token must not be a replay.
async fn a_refresh_answered_503_in_a_redis_stall_can_be_retried(grace: u64) {
    let redis = PrivateRedis::start();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.redis.url = Some(redis.url());
    settings.redis.timeout = 1;
    settings.tokens.refresh_reuse_grace = grace;
    let app = spawn_app_on(settings).await;
    let first = app.signed_up("alice@example.com").await;
    // One rotation first, so Redis knows the script and the stalled EVALSHA runs.
    let tokens = tokens_from(app.refresh(&first.refresh).await.json().await.unwrap());
    redis.pause();
    let stalled = app.refresh(&tokens.refresh).await;
    assert_error(stalled, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    redis.resume();
    // A client honouring Retry-After (1 s) tries again.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let retried = app.refresh(&tokens.refresh).await;
    assert_eq!(
        retried.status(),
        StatusCode::OK,
        "the retry is not a replay"
    );
    let retried = tokens_from(retried.json().await.unwrap());
    // The session still works: its new refresh token rotates.
    let next = app.refresh(&retried.refresh).await;
    assert_eq!(next.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_answered_503_in_a_redis_stall_can_be_retried_without_grace() {
    a_refresh_answered_503_in_a_redis_stall_can_be_retried(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_answered_503_in_a_redis_stall_can_be_retried_with_grace() {
    a_refresh_answered_503_in_a_redis_stall_can_be_retried(10).await;
}
