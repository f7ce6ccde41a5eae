//! `GET /metrics` on `AUTHD_METRICS_BIND`: its own listener, never the public one, and the
//! counts an operator reads off it (requests, logins, refreshes, revocations, stores, pool).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app_with, tokens_from, TestApp, PASSWORD};

async fn app_with_metrics() -> TestApp {
    spawn_app_with(|settings| {
        settings.operations.metrics_bind = "127.0.0.1:0".into();
        settings.tokens.refresh_reuse_grace = 10;
    })
    .await
}

async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("metrics listener on");
    let response = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

/// The value of the one sample named exactly `series` (name and labels, as rendered).
fn sample(text: &str, series: &str) -> f64 {
    let values: Vec<f64> = text
        .lines()
        .filter_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
        .collect();
    match values[..] {
        [value] => value,
        _ => panic!("{} samples of {series} in:\n{text}", values.len()),
    }
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_and_never_on_the_public_one() {
    let app = app_with_metrics().await;

    let public = app.client.get(app.url("/metrics")).send().await.unwrap();

    assert_eq!(public.status(), StatusCode::NOT_FOUND);
    assert_ne!(app.metrics_port, Some(app.port));
    let text = scrape(&app).await;
    assert!(text.contains("# TYPE authd_http_requests_total counter"));
}

#[tokio::test]
async fn metrics_are_off_when_the_setting_says_off() {
    let app = spawn_app_with(|settings| settings.operations.metrics_bind = "off".into()).await;
    assert_eq!(app.metrics_port, None);
}

#[tokio::test]
async fn a_taken_metrics_address_stops_the_start_naming_the_setting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(dir.path());
    settings.operations.metrics_bind = address;
    let keys = &settings.keys.dir;
    authd::keys::generate::generate_key(
        keys,
        authd::keys::generate::KeyAlgorithm::Es256,
        chrono::Utc::now(),
    )
    .unwrap();

    let err = authd::startup::Application::build(settings)
        .await
        .err()
        .unwrap();

    assert!(format!("{err:#}").starts_with("AUTHD_METRICS_BIND: cannot listen on"));
}

#[tokio::test]
async fn logins_refreshes_and_revocations_are_counted_by_outcome() {
    let app = app_with_metrics().await;
    let first = app.signed_up("alice@example.com").await;
    let wrong = app
        .login("alice@example.com", "not the password at all")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // r0 → r1 (rotated), r0 again (grace: the same r1), r1 → r2 (rotated), r0 again
    // (no longer the newest retired token: a replay, which revokes the session), r2
    // (its session revoked).
    let r1 = tokens_from(app.refresh(&first.refresh).await.json().await.unwrap());
    assert_eq!(app.refresh(&first.refresh).await.status(), StatusCode::OK);
    let r2 = tokens_from(app.refresh(&r1.refresh).await.json().await.unwrap());
    assert_eq!(
        app.refresh(&first.refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.refresh(&r2.refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.refresh("not.a.token").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let second = app.logged_in("alice@example.com", PASSWORD).await;
    assert_eq!(
        app.logout(&second.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    let third = app.logged_in("alice@example.com", PASSWORD).await;
    app.clock
        .advance(app.settings.tokens.refresh_ttl as i64 + 60);
    assert_eq!(
        app.refresh(&third.refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let text = scrape(&app).await;

    let count = |series: &str| sample(&text, series);
    assert_eq!(count(r#"authd_logins_total{outcome="success"}"#), 3.0);
    assert_eq!(
        count(r#"authd_logins_total{outcome="invalid_credentials"}"#),
        1.0
    );
    assert_eq!(count(r#"authd_logins_total{outcome="throttled"}"#), 0.0);
    assert_eq!(count(r#"authd_refreshes_total{outcome="rotated"}"#), 2.0);
    assert_eq!(count(r#"authd_refreshes_total{outcome="grace"}"#), 1.0);
    assert_eq!(count(r#"authd_refreshes_total{outcome="replay"}"#), 1.0);
    assert_eq!(count(r#"authd_refreshes_total{outcome="revoked"}"#), 1.0);
    assert_eq!(count(r#"authd_refreshes_total{outcome="invalid"}"#), 1.0);
    assert_eq!(count(r#"authd_refreshes_total{outcome="expired"}"#), 1.0);
    assert_eq!(
        count(r#"authd_refreshes_total{outcome="unavailable"}"#),
        0.0
    );
    assert_eq!(count(r#"authd_revocations_total{reason="replay"}"#), 1.0);
    assert_eq!(count(r#"authd_revocations_total{reason="logout"}"#), 1.0);
    assert_eq!(
        count(r#"authd_revocations_total{reason="logout_all"}"#),
        0.0
    );
}

#[tokio::test]
async fn requests_stores_and_the_hashing_pool_are_measured() {
    let app = app_with_metrics().await;
    let tokens = app.signed_up("bob@example.com").await;
    assert_eq!(
        app.get_with_token("/auth/me", &tokens.access)
            .await
            .status(),
        StatusCode::OK
    );
    let response = app.post_json("/auth/logout-all", &json!({})).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let text = scrape(&app).await;

    let count = |series: &str| sample(&text, series);
    let me = r#"authd_http_requests_total{method="GET",route="/auth/me",status="200"}"#;
    assert_eq!(count(me), 1.0);
    let histogram = r#"authd_http_request_duration_seconds_count{method="GET",route="/auth/me"}"#;
    assert_eq!(count(histogram), 1.0);
    let denied =
        r#"authd_http_requests_total{method="POST",route="/auth/logout-all",status="401"}"#;
    assert_eq!(count(denied), 1.0);
    let by_email =
        r#"authd_store_operation_duration_seconds_count{operation="by_email",store="users"}"#;
    assert!(count(by_email) >= 1.0);
    let insert =
        r#"authd_store_operation_duration_seconds_count{operation="insert",store="users"}"#;
    assert_eq!(count(insert), 1.0);
    assert!(count("authd_hashing_workers") >= 1.0);
    assert_eq!(count("authd_hashing_busy_workers"), 0.0);
    assert_eq!(count("authd_hashing_queue_depth"), 0.0);
    assert!(!text.contains("authd_store_errors_total{"));
    assert!(text.contains(r#",state="signing"} 1"#));
}

#[tokio::test]
async fn the_revocation_facts_in_memory_and_their_freshness_are_shown() {
    let app = app_with_metrics().await;
    let before = scrape(&app).await;
    assert_eq!(sample(&before, "authd_revocation_facts"), 0.0);
    let tokens = app.signed_up("carol@example.com").await;

    assert_eq!(
        app.logout(&tokens.refresh).await.status(),
        StatusCode::NO_CONTENT
    );

    let text = scrape(&app).await;
    assert_eq!(sample(&text, "authd_revocation_facts"), 1.0);
    assert_eq!(sample(&text, "authd_revocations_current"), 1.0);
}
