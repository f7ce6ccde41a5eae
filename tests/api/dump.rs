//! What a dump or backup of the stores holds: with the grace window on, the successor pair
//! is kept, but sealed under the retired refresh token, so no stored string is a token.

use serde_json::Value;

use crate::backing::{RedisPrefix, SHARED_REDIS};
use crate::helpers::{spawn_app_in, spawn_app_with, test_settings, TestApp};

/// Logs in, rotates once, retries the retired token (the grace answer): the issued tokens.
async fn rotate_within_grace(app: &TestApp) -> Vec<String> {
    let first = app.signed_up("alice@example.com").await;
    let rotated: Value = app.refresh(&first.refresh).await.json().await.unwrap();
    let retried: Value = app.refresh(&first.refresh).await.json().await.unwrap();
    assert_eq!(retried, rotated, "the retry gets the same successor pair");
    let mut issued = vec![first.access, first.refresh];
    for name in ["access_token", "refresh_token"] {
        issued.push(rotated[name].as_str().unwrap().to_owned());
    }
    issued
}

/// No stored string is, or holds, an issued token or anything shaped like a JWT.
fn assert_holds_no_token(dump: &str, issued: &[String]) {
    assert!(
        !dump.contains("eyJ"),
        "a JWT-shaped string is stored: {dump}"
    );
    for token in issued {
        assert!(!dump.contains(token.as_str()), "an issued token is stored");
    }
}

#[tokio::test]
async fn a_sqlite_dump_holds_no_token_that_verifies() {
    let app = spawn_app_with(|s| s.tokens.refresh_reuse_grace = 10).await;
    let issued = rotate_within_grace(&app).await;
    let path = app
        .settings
        .database
        .url
        .trim_start_matches("sqlite://")
        .to_owned();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    let mut dump = String::new();
    // Every text column of every table (`SELECT *`, as a backup would copy it).
    for query in [
        "SELECT jti || ' ' || sid || ' ' || COALESCE(successor, '') FROM retired_refresh_tokens",
        "SELECT sid FROM revoked_sessions",
        "SELECT id || ' ' || email || ' ' || password_hash || ' ' || roles FROM users",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(query).fetch_all(&pool).await.unwrap();
        dump.push_str(&rows.join("\n"));
    }
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM retired_refresh_tokens WHERE successor IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kept, 1, "the successor is kept for the grace window");
    assert_holds_no_token(&dump, &issued);
}

#[tokio::test]
async fn a_redis_dump_holds_no_token_that_verifies() {
    let prefix = RedisPrefix::new();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.redis.url = Some(SHARED_REDIS.to_owned());
    settings.redis.prefix = prefix.prefix.clone();
    settings.tokens.refresh_reuse_grace = 10;
    let app = spawn_app_in(dir, settings).await;
    let issued = rotate_within_grace(&app).await;
    let client = redis::Client::open(SHARED_REDIS).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", prefix.prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(keys.iter().any(|k| k.contains(":succ:")), "{keys:?}");
    let mut dump = String::new();
    for key in keys {
        let value: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap_or(None);
        let raw: Option<Vec<u8>> = redis::cmd("DUMP")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        dump.push_str(&key);
        dump.push_str(&value.unwrap_or_default());
        dump.push_str(&String::from_utf8_lossy(&raw.unwrap_or_default()));
    }
    assert_holds_no_token(&dump, &issued);
}
