//! Throttling: per-(account, client) failed logins, the account-wide cap a spray cannot
//! turn into a lockout, and the per-IP request rate. Client addresses differ by binding
//! the client socket to other loopback addresses, never by trusting headers.
//!
//! Each rule runs twice: on the in-memory counters and on Redis (its own key prefix).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::backing::{PrivateRedis, RedisPrefix, SHARED_REDIS};
use crate::helpers::{
    assert_error, spawn_app_in, spawn_app_on, spawn_app_with, test_settings, TestApp, PASSWORD,
};

const WRONG: &str = "not the password at all";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counters {
    Memory,
    Redis,
}

/// Runs an `async fn(Counters)` test once per counter store.
macro_rules! on_both_counter_stores {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Counters::Memory).await;
            })*
        }
        mod redis {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Counters::Redis).await;
            })*
        }
    };
}

on_both_counter_stores!(
    five_failures_lock_the_account_for_that_address_only,
    a_success_resets_the_count,
    unknown_accounts_are_throttled_exactly_like_known_ones,
    a_spray_from_many_addresses_cannot_lock_out_the_owners_device,
    a_spray_on_one_account_leaves_every_other_account_open,
    wrong_current_passwords_count_like_failed_logins,
    the_ip_rate_limit_counts_register_login_and_refresh_per_address,
    concurrent_wrong_passwords_get_at_most_the_allowed_checks,
    a_dual_stack_listener_still_trusts_its_ipv4_proxy,
);

/// An app on `counters`; the Redis prefix lives (and is cleaned up) with the app.
async fn app_on(
    counters: Counters,
    customize: impl FnOnce(&mut authd::settings::Settings),
) -> (TestApp, Option<RedisPrefix>) {
    match counters {
        Counters::Memory => (spawn_app_with(customize).await, None),
        Counters::Redis => {
            let prefix = RedisPrefix::new();
            let dir = tempfile::tempdir().unwrap();
            let mut settings = test_settings(dir.path());
            settings.redis.url = Some(SHARED_REDIS.to_owned());
            settings.redis.prefix = prefix.prefix.clone();
            customize(&mut settings);
            (spawn_app_in(dir, settings).await, Some(prefix))
        }
    }
}

async fn throttled_app(counters: Counters) -> (TestApp, Option<RedisPrefix>) {
    app_on(counters, |s| {
        s.throttle.login_max_failures = 5;
        s.throttle.login_window = 900;
    })
    .await
}

async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    app.client_from(ip)
        .post(app.url("/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn five_failures_lock_the_account_for_that_address_only(counters: Counters) {
    let (app, _prefix) = throttled_app(counters).await;
    app.register("alice@example.com", PASSWORD).await;
    for _ in 0..5 {
        let response = login_from(&app, "127.0.0.1", "alice@example.com", WRONG).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    // Even the right password is refused now, with the time left to wait.
    let response = login_from(&app, "127.0.0.1", "alice@example.com", PASSWORD).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=900).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another address is its own pair.
    let response = login_from(&app, "127.0.0.2", "alice@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    // The window passes: the first address may try again. (Redis counts windows on its
    // own clock, which a test cannot move.)
    if counters == Counters::Redis {
        return;
    }
    app.clock.advance(901);
    let response = login_from(&app, "127.0.0.1", "alice@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn a_success_resets_the_count(counters: Counters) {
    let (app, _prefix) = throttled_app(counters).await;
    app.register("alice@example.com", PASSWORD).await;
    for _ in 0..4 {
        login_from(&app, "127.0.0.1", "alice@example.com", WRONG).await;
    }
    assert_eq!(
        login_from(&app, "127.0.0.1", "alice@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    for _ in 0..4 {
        login_from(&app, "127.0.0.1", "alice@example.com", WRONG).await;
    }
    assert_eq!(
        login_from(&app, "127.0.0.1", "alice@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}

async fn unknown_accounts_are_throttled_exactly_like_known_ones(counters: Counters) {
    let (app, _prefix) = throttled_app(counters).await;
    app.register("alice@example.com", PASSWORD).await;
    for email in ["alice@example.com", "nobody@example.com"] {
        for _ in 0..5 {
            let response = login_from(&app, "127.0.0.1", email, WRONG).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
    }
    let known = login_from(&app, "127.0.0.1", "alice@example.com", WRONG).await;
    let unknown = login_from(&app, "127.0.0.1", "nobody@example.com", WRONG).await;
    assert_eq!(known.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(unknown.status(), StatusCode::TOO_MANY_REQUESTS);
    // The same answer, but for the seconds left: each pair's window began at its own
    // first failure, and Redis counts them in real time, so they may be a second apart.
    let retry_after = |response: &reqwest::Response| -> i64 {
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (known_wait, unknown_wait) = (retry_after(&known), retry_after(&unknown));
    assert!(
        (known_wait - unknown_wait).abs() <= 1,
        "{known_wait} vs {unknown_wait}"
    );
    let in_words = |wait: i64| format!("too many attempts; retry after {wait} seconds");
    let known: Value = known.json().await.unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(known["error"], "rate_limited");
    assert_eq!(unknown["error"], "rate_limited");
    assert_eq!(known["message"], in_words(known_wait).as_str());
    assert_eq!(unknown["message"], in_words(unknown_wait).as_str());
    assert_eq!(
        known.as_object().unwrap().len(),
        unknown.as_object().unwrap().len()
    );
}

async fn a_spray_from_many_addresses_cannot_lock_out_the_owners_device(counters: Counters) {
    let (app, _prefix) = throttled_app(counters).await;
    let owner = app.signed_up("alice@example.com").await;
    // 100 failures from 100 addresses: each address is far below its own limit.
    for n in 0..100 {
        let ip = format!("127.0.1.{}", n + 1);
        let response = login_from(&app, &ip, "alice@example.com", WRONG).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt from {ip}"
        );
    }
    // Now no untrusted client may try, not even with the right password...
    let response = login_from(&app, "127.0.2.1", "alice@example.com", PASSWORD).await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // ...but the owner's device, presenting its device token, still logs in.
    let response = app
        .client_from("127.0.2.1")
        .post(app.url("/auth/login"))
        .json(&json!({"email": "alice@example.com", "password": PASSWORD, "device_token": owner.device}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A forged device token is no way around the cap.
    let forged = format!("{}x", owner.device);
    let response = app
        .client_from("127.0.2.1")
        .post(app.url("/auth/login"))
        .json(&json!({"email": "alice@example.com", "password": PASSWORD, "device_token": forged}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn a_spray_on_one_account_leaves_every_other_account_open(counters: Counters) {
    let (app, _prefix) = throttled_app(counters).await;
    app.register("alice@example.com", PASSWORD).await;
    app.register("bob@example.com", PASSWORD).await;
    // 100 failures on alice from 100 addresses: alice's account-wide cap is spent.
    for n in 0..100 {
        let ip = format!("127.0.1.{}", n + 1);
        let response = login_from(&app, &ip, "alice@example.com", WRONG).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "from {ip}");
    }
    // Bob logs in from an address of the spray and from a new one...
    for ip in ["127.0.1.1", "127.0.2.1"] {
        let response = login_from(&app, ip, "bob@example.com", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "bob from {ip}");
    }
    // ...while alice stays capped for every untrusted client.
    let response = login_from(&app, "127.0.2.2", "alice@example.com", PASSWORD).await;
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

async fn wrong_current_passwords_count_like_failed_logins(counters: Counters) {
    let (app, _prefix) = throttled_app(counters).await;
    let tokens = app.signed_up("alice@example.com").await;
    let change = |current: &'static str| {
        app.client
            .post(app.url("/auth/password"))
            .bearer_auth(&tokens.access)
            .json(&json!({"current_password": current, "new_password": "a brand new passphrase here"}))
            .send()
    };
    for _ in 0..5 {
        assert_error(
            change(WRONG).await.unwrap(),
            StatusCode::FORBIDDEN,
            "invalid_credentials",
        )
        .await;
    }
    let response = change(PASSWORD).await.unwrap();
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

async fn the_ip_rate_limit_counts_register_login_and_refresh_per_address(counters: Counters) {
    let (app, _prefix) = app_on(counters, |s| s.throttle.ip_rate_limit = 3).await;
    let register = |ip: &str, n: u32| {
        app.client_from(ip)
            .post(app.url("/auth/register"))
            .json(&json!({"email": format!("user{n}@example.com"), "password": PASSWORD}))
            .send()
    };
    for n in 0..3 {
        assert_eq!(
            register("127.0.0.1", n).await.unwrap().status(),
            StatusCode::CREATED
        );
    }
    let response = register("127.0.0.1", 3).await.unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Malformed requests count too, and a login is the same budget.
    let response = login_from(&app, "127.0.0.1", "user0@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // A spoofed X-Forwarded-For from an untrusted peer changes nothing.
    let response = app
        .client
        .post(app.url("/auth/register"))
        .header("X-Forwarded-For", "198.51.100.1")
        .json(&json!({"email": "user9@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address has its own budget; the budget refills with time.
    assert_eq!(
        register("127.0.0.2", 4).await.unwrap().status(),
        StatusCode::CREATED
    );
    app.clock.advance(20);
    assert_eq!(
        register("127.0.0.1", 5).await.unwrap().status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
    let app = spawn_app_with(|s| {
        s.throttle.ip_rate_limit = 1;
        s.throttle.trusted_proxies =
            authd::settings::TrustedProxies(vec!["127.0.0.1/32".parse().unwrap()]);
    })
    .await;
    let register = |forwarded: &str, n: u32| {
        app.client
            .post(app.url("/auth/register"))
            .header("X-Forwarded-For", forwarded)
            .json(&json!({"email": format!("user{n}@example.com"), "password": PASSWORD}))
            .send()
    };
    assert_eq!(
        register("198.51.100.1", 0).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        register("198.51.100.1", 1).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A client cannot escape by prepending its own entry: the right-most untrusted counts.
    assert_eq!(
        register("203.0.113.5, 198.51.100.1", 2)
            .await
            .unwrap()
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        register("198.51.100.2", 3).await.unwrap().status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn with_the_counter_store_down_login_and_register_fail_closed() {
    let mut redis = PrivateRedis::start();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.redis.url = Some(redis.url());
    settings.throttle.ip_rate_limit = 30;
    let app = spawn_app_on(settings).await;
    app.signed_up("alice@example.com").await;

    redis.stop();

    for response in [
        app.register("bob@example.com", PASSWORD).await,
        app.login("alice@example.com", PASSWORD).await,
    ] {
        assert!(
            response.headers().contains_key("retry-after"),
            "Retry-After"
        );
        assert_error(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    }
    // Nothing was created while the limits could not be counted.
    redis.restart();
    let mut registered = None;
    for _ in 0..50 {
        let response = app.register("bob@example.com", PASSWORD).await;
        if response.status() != StatusCode::SERVICE_UNAVAILABLE {
            registered = Some(response.status());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(registered, Some(StatusCode::CREATED));
}

async fn concurrent_wrong_passwords_get_at_most_the_allowed_checks(counters: Counters) {
    let (app, _prefix) = app_on(counters, |s| {
        s.throttle.login_max_failures = 5;
        s.hashing.hash_workers = Some(8);
        s.hashing.hash_queue = Some(64);
    })
    .await;
    app.register("alice@example.com", PASSWORD).await;
    let app = std::sync::Arc::new(app);
    let guesses: Vec<_> = (0..30)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                login_from(&app, "127.0.0.1", "alice@example.com", WRONG)
                    .await
                    .status()
            })
        })
        .collect();
    let mut checked = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    eprintln!("{counters:?}: 30 concurrent guesses, {checked} password checks");
    assert!(
        checked <= 5,
        "{checked} of 30 concurrent guesses were checked"
    );
}

/// Bound to `[::]`, IPv4 peers arrive as `::ffff:127.0.0.1`: the proxy at 127.0.0.1 must
/// still be trusted, or every client behind it shares one count.
async fn a_dual_stack_listener_still_trusts_its_ipv4_proxy(counters: Counters) {
    let (app, _prefix) = app_on(counters, |s| {
        s.bind = "[::]:0".into();
        s.throttle.login_max_failures = 5;
        s.throttle.trusted_proxies =
            authd::settings::TrustedProxies(vec!["127.0.0.1/32".parse().unwrap()]);
    })
    .await;
    app.register("alice@example.com", PASSWORD).await;
    let from = |client: &'static str, password: &'static str| {
        app.client
            .post(app.url("/auth/login"))
            .header("x-forwarded-for", client)
            .json(&json!({"email": "alice@example.com", "password": password}))
            .send()
    };
    for _ in 0..5 {
        let response = from("203.0.113.1", WRONG).await.unwrap();
        assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let locked = from("203.0.113.1", PASSWORD).await.unwrap();
    assert_error(locked, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another client behind the same proxy is its own pair.
    assert_eq!(from("203.0.113.2", PASSWORD).await.unwrap().status(), 200);
}
