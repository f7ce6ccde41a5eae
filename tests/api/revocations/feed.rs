//! `GET /auth/revocations`: off unless `AUTHD_REVOCATIONS_TOKEN` is set, only for that
//! secret, a JSON snapshot with a cursor, and a `text/event-stream` of new facts.

use std::time::Duration;

use authd::clock::Clock;
use authd::settings::Secret;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const SECRET: &str = "a-feed-secret-of-some-length";

async fn app_with_feed() -> TestApp {
    spawn_app_with(|settings| {
        settings.operations.revocations_token = Some(Secret::new(SECRET));
    })
    .await
}

async fn snapshot(app: &TestApp, query: &str) -> Value {
    let response = app
        .get_with_token(&format!("/auth/revocations{query}"), SECRET)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

/// The cursor of a snapshot taken now.
async fn current_cursor(app: &TestApp) -> String {
    let cursor = snapshot(app, "").await["cursor"]
        .as_str()
        .map(str::to_owned);
    cursor.expect("a cursor")
}

/// The feed as an event stream, resumed from `last_event_id` when given.
async fn open_stream(app: &TestApp, last_event_id: Option<&str>) -> reqwest::Response {
    let mut request = (app.client.get(app.url("/auth/revocations")))
        .bearer_auth(SECRET)
        .header("accept", "text/event-stream");
    if let Some(cursor) = last_event_id {
        request = request.header("last-event-id", cursor);
    }
    request.send().await.unwrap()
}

/// Reads `stream` into `seen` until it holds `needle`, each chunk within 5 s.
async fn read_until(stream: &mut reqwest::Response, needle: &str, seen: &mut String) {
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("an event in time")
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

/// Logs a new user in and out: one session fact.
async fn revoked_session(app: &TestApp, email: &str) -> String {
    let tokens = app.signed_up(email).await;
    assert_eq!(
        app.logout(&tokens.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    crate::helpers::jwt_part(&tokens.access, 1)["sid"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_feed_is_off_unless_its_secret_is_set() {
    let app = spawn_app().await;
    let response = app.get_with_token("/auth/revocations", SECRET).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_feed_answers_only_its_secret() {
    let app = app_with_feed().await;
    let tokens = app.signed_up("alice@example.com").await;

    let none = app
        .client
        .get(app.url("/auth/revocations"))
        .send()
        .await
        .unwrap();
    let user_token = app
        .get_with_token("/auth/revocations", &tokens.access)
        .await;
    let almost = app
        .get_with_token("/auth/revocations", &SECRET[..SECRET.len() - 1])
        .await;

    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["www-authenticate"], "Bearer realm=\"authd\"");
    for refused in [user_token, almost] {
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let challenge = refused.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("invalid_token"), "{challenge}");
    }
}

#[tokio::test]
async fn a_logout_shows_in_the_snapshot_and_a_cursor_skips_what_was_read() {
    let app = app_with_feed().await;
    let empty = snapshot(&app, "").await;
    assert_eq!(empty["facts"], Value::Array(vec![]));

    let first_sid = revoked_session(&app, "alice@example.com").await;
    let after_first = snapshot(&app, "").await;
    let facts = after_first["facts"].as_array().unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0]["sid"], first_sid.as_str());
    let until = facts[0]["until"].as_i64().unwrap();
    let expected = app.clock.now() + app.settings.tokens.access_ttl as i64 + 30;
    assert!((until - expected).abs() <= 1, "{until} vs {expected}");
    let cursor = after_first["cursor"].as_str().unwrap().to_owned();
    assert!(facts[0]["seq"].as_u64().is_some());

    let second_sid = revoked_session(&app, "bob@example.com").await;
    let since = snapshot(&app, &format!("?since={cursor}")).await;

    let facts = since["facts"].as_array().unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0]["sid"], second_sid.as_str());
    assert_ne!(since["cursor"], cursor.as_str());
}

#[tokio::test]
async fn a_cursor_of_another_instance_gets_every_live_fact() {
    let app = app_with_feed().await;
    revoked_session(&app, "alice@example.com").await;
    revoked_session(&app, "bob@example.com").await;
    let ours = current_cursor(&app).await;
    let (epoch, position) = ours.split_once('-').unwrap();
    let other_epoch = if epoch == "0000000000000001" {
        "2"
    } else {
        "1"
    };

    let foreign = snapshot(&app, &format!("?since={other_epoch}-{position}")).await;
    let ahead = snapshot(&app, &format!("?since={epoch}-{}", u64::MAX)).await;
    let current = snapshot(&app, &format!("?since={ours}")).await;

    assert_eq!(foreign["facts"].as_array().unwrap().len(), 2);
    assert_eq!(ahead["facts"].as_array().unwrap().len(), 2);
    assert_eq!(current["facts"], Value::Array(vec![]));
}

#[tokio::test]
async fn a_malformed_cursor_is_a_bad_request() {
    let app = app_with_feed().await;
    for since in ["12", "x-1", "1--1", "1-+1", "-1"] {
        let response = app
            .get_with_token(&format!("/auth/revocations?since={since}"), SECRET)
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{since}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{since}");
    }
}

#[tokio::test]
async fn the_stream_sends_the_snapshot_then_each_new_fact_as_it_happens() {
    let app = app_with_feed().await;
    let first_sid = revoked_session(&app, "alice@example.com").await;
    let mut stream = open_stream(&app, None).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    let mut seen = String::new();
    read_until(&mut stream, "event: synced", &mut seen).await;
    read_until(&mut stream, "\n\n", &mut seen).await;
    let cursor = current_cursor(&app).await;
    let (epoch, _) = cursor.split_once('-').unwrap();
    assert!(
        seen.starts_with(&format!("id: {epoch}-1\nevent: revocation\ndata: {{")),
        "{seen}"
    );
    assert!(seen.contains(&first_sid), "{seen}");
    let synced = format!("id: {cursor}\nevent: synced\ndata: {{\"cursor\":\"{cursor}\"}}\n\n");
    assert!(seen.ends_with(&synced), "{seen}");

    let second_sid = revoked_session(&app, "bob@example.com").await;
    read_until(&mut stream, &second_sid, &mut seen).await;
    assert!(
        seen.contains(&format!("\nid: {epoch}-2\nevent: revocation\n")),
        "{seen}"
    );
}

#[tokio::test]
async fn a_stream_resumed_from_its_last_event_id_sends_only_what_came_after() {
    let app = app_with_feed().await;
    revoked_session(&app, "alice@example.com").await;
    let cursor = current_cursor(&app).await;
    let later_sid = revoked_session(&app, "bob@example.com").await;

    let mut stream = open_stream(&app, Some(&cursor)).await;
    let mut seen = String::new();
    read_until(&mut stream, "event: synced", &mut seen).await;

    assert_eq!(seen.matches("event: revocation").count(), 1, "{seen}");
    assert!(seen.contains(&later_sid), "{seen}");
}
