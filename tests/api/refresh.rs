//! `POST /auth/refresh`: rotation, replay detection, the race, grace, expiry, the session
//! cap, and a denylist that survives a restart.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, jwt_part, spawn_app, spawn_app_in, spawn_app_with, tokens_from, Tokens, PASSWORD,
};

async fn refreshed(app: &crate::helpers::TestApp, refresh_token: &str) -> Tokens {
    let response = app.refresh(refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK, "refresh");
    assert_eq!(response.headers()["cache-control"], "no-store");
    tokens_from(response.json().await.unwrap())
}

#[tokio::test]
async fn a_refresh_returns_a_new_pair_in_the_same_session() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let response = app.refresh(&login.refresh).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "access_token",
            "expires_in",
            "refresh_expires_in",
            "refresh_token",
            "token_type"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    let next = tokens_from(body);
    assert_ne!(next.refresh, login.refresh);
    assert_ne!(next.access, login.access);
    let (old, new) = (jwt_part(&login.refresh, 1), jwt_part(&next.refresh, 1));
    assert_eq!(new["sid"], old["sid"]);
    assert_ne!(new["jti"], old["jti"]);
    assert_eq!(new["auth_time"], old["auth_time"]);
    assert_eq!(jwt_part(&next.access, 1)["sid"], old["sid"]);
    let me = app.get_with_token("/auth/me", &next.access).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_rotated_token_can_be_rotated_again() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let second = refreshed(&app, &login.refresh).await;
    let third = refreshed(&app, &second.refresh).await;

    assert_eq!(
        jwt_part(&third.refresh, 1)["sid"],
        jwt_part(&login.refresh, 1)["sid"]
    );
}

#[tokio::test]
async fn a_replayed_refresh_token_revokes_the_session() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    let next = refreshed(&app, &login.refresh).await;

    let replay = app.refresh(&login.refresh).await;

    assert_error(replay, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    let newest = app.refresh(&next.refresh).await;
    assert_error(newest, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn a_replay_does_not_touch_the_users_other_sessions() {
    let app = spawn_app().await;
    let stolen = app.signed_up("alice@example.com").await;
    let other = app.logged_in("alice@example.com", PASSWORD).await;
    refreshed(&app, &stolen.refresh).await;

    let replay = app.refresh(&stolen.refresh).await;

    assert_error(replay, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    refreshed(&app, &other.refresh).await;
}

#[tokio::test]
async fn of_sixteen_concurrent_refreshes_with_one_token_exactly_one_wins() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let attempts: Vec<_> = (0..16)
        .map(|_| {
            let request = app
                .client
                .post(app.url("/auth/refresh"))
                .json(&json!({"refresh_token": login.refresh}));
            tokio::spawn(async move { request.send().await.expect("request") })
        })
        .collect();

    let mut wins = 0;
    for attempt in attempts {
        let response = attempt.await.unwrap();
        if response.status() == StatusCode::OK {
            wins += 1;
        } else {
            assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
        }
    }
    assert_eq!(wins, 1, "successful refreshes");
}

#[tokio::test]
async fn a_refresh_re_reads_the_user_so_new_roles_show() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    assert_eq!(jwt_part(&login.access, 1)["roles"], json!([]));
    let pool = sqlx::SqlitePool::connect(&app.settings.database.url)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET roles = ? WHERE email = ?")
        .bind(r#"["admin"]"#)
        .bind("alice@example.com")
        .execute(&pool)
        .await
        .unwrap();

    let next = refreshed(&app, &login.refresh).await;

    assert_eq!(jwt_part(&next.access, 1)["roles"], json!(["admin"]));
    let admin = app.get_with_token("/admin/users", &next.access).await;
    assert_eq!(admin.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_deleted_user_cannot_refresh() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    let pool = sqlx::SqlitePool::connect(&app.settings.database.url)
        .await
        .unwrap();
    sqlx::query("DELETE FROM users WHERE email = ?")
        .bind("alice@example.com")
        .execute(&pool)
        .await
        .unwrap();

    let response = app.refresh(&login.refresh).await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn within_the_grace_window_the_retired_token_gets_the_same_successor() {
    let app = spawn_app_with(|s| s.tokens.refresh_reuse_grace = 10).await;
    let login = app.signed_up("alice@example.com").await;
    let first = refreshed(&app, &login.refresh).await;
    app.clock.advance(9);

    let retry = refreshed(&app, &login.refresh).await;

    assert_eq!(retry.access, first.access);
    assert_eq!(retry.refresh, first.refresh);
    assert_eq!(retry.body, first.body);
    refreshed(&app, &first.refresh).await;
}

#[tokio::test]
async fn after_the_grace_window_the_retired_token_is_a_replay() {
    let app = spawn_app_with(|s| s.tokens.refresh_reuse_grace = 10).await;
    let login = app.signed_up("alice@example.com").await;
    let first = refreshed(&app, &login.refresh).await;
    app.clock.advance(11);

    let late = app.refresh(&login.refresh).await;

    assert_error(late, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    let newest = app.refresh(&first.refresh).await;
    assert_error(newest, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn without_grace_an_immediate_retry_is_a_replay() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    refreshed(&app, &login.refresh).await;

    let retry = app.refresh(&login.refresh).await;

    assert_error(retry, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn a_refresh_token_within_the_leeway_after_exp_still_works() {
    let app = spawn_app_with(|s| s.tokens.refresh_ttl = 60).await;
    let login = app.signed_up("alice@example.com").await;
    assert_eq!(login.body["refresh_expires_in"], 60);

    app.clock.advance(60 + 30);

    refreshed(&app, &login.refresh).await;
}

#[tokio::test]
async fn a_refresh_token_past_exp_and_leeway_is_401() {
    let app = spawn_app_with(|s| s.tokens.refresh_ttl = 60).await;
    let login = app.signed_up("alice@example.com").await;

    app.clock.advance(60 + 30 + 1);

    let response = app.refresh(&login.refresh).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn the_session_ttl_caps_every_refresh_token_of_the_session() {
    let app = spawn_app_with(|s| s.tokens.session_ttl = 100).await;
    let login = app.signed_up("alice@example.com").await;
    assert_eq!(login.body["refresh_expires_in"], 100);
    let auth_time = jwt_part(&login.refresh, 1)["auth_time"].as_i64().unwrap();
    assert_eq!(jwt_part(&login.refresh, 1)["exp"], auth_time + 100);

    app.clock.advance(60);
    let later = refreshed(&app, &login.refresh).await;

    assert_eq!(later.body["refresh_expires_in"], 40);
    assert_eq!(jwt_part(&later.refresh, 1)["exp"], auth_time + 100);
    assert_eq!(jwt_part(&later.refresh, 1)["auth_time"], auth_time);
}

#[tokio::test]
async fn after_the_session_ttl_a_refresh_fails_though_the_refresh_ttl_is_longer() {
    let app = spawn_app_with(|s| s.tokens.session_ttl = 100).await;
    let login = app.signed_up("alice@example.com").await;
    app.clock.advance(50);
    let later = refreshed(&app, &login.refresh).await;

    app.clock.advance(51);

    let response = app.refresh(&later.refresh).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
}

#[tokio::test]
async fn a_refresh_token_issued_at_the_session_end_is_never_longer_than_the_session() {
    // A refresh TTL of 1 second beside a long access TTL is legal: each is independent.
    let app = spawn_app_with(|s| {
        s.tokens.refresh_ttl = 1;
        s.tokens.session_ttl = 3600;
    })
    .await;

    let login = app.signed_up("alice@example.com").await;

    assert_eq!(login.body["refresh_expires_in"], 1);
    assert_eq!(login.body["expires_in"], 900);
}

#[tokio::test]
async fn an_access_token_is_not_a_refresh_token() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;

    let response = app.refresh(&login.access).await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    refreshed(&app, &login.refresh).await;
}

#[tokio::test]
async fn garbage_and_tampered_refresh_tokens_are_401_invalid_grant() {
    let app = spawn_app().await;
    let login = app.signed_up("alice@example.com").await;
    let mut parts: Vec<String> = login.refresh.split('.').map(str::to_owned).collect();
    let mut claims = jwt_part(&login.refresh, 1);
    claims["sub"] = json!(uuid::Uuid::new_v4());
    parts[1] = base64_url(&serde_json::to_vec(&claims).unwrap());
    let tampered = parts.join(".");

    for bad in [
        "",
        "garbage",
        "a.b.c",
        tampered.as_str(),
        &format!("{}x", login.refresh),
    ] {
        let response = app.refresh(bad).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    }
}

#[tokio::test]
async fn a_refresh_body_that_is_not_the_request_is_400() {
    let app = spawn_app().await;

    let missing = app.post_json("/auth/refresh", &json!({})).await;
    let wrong_type = app
        .post_json("/auth/refresh", &json!({"refresh_token": 42}))
        .await;

    assert_error(missing, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_error(wrong_type, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn retired_and_logged_out_tokens_stay_rejected_after_a_restart() {
    let app = spawn_app().await;
    let rotated = app.signed_up("alice@example.com").await;
    let successor = refreshed(&app, &rotated.refresh).await;
    let logged_out = app.logged_in("alice@example.com", PASSWORD).await;
    assert_eq!(
        app.logout(&logged_out.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    let untouched = app.logged_in("alice@example.com", PASSWORD).await;
    let (dir, settings) = app.stop().await;

    let restarted = spawn_app_in(dir, settings).await;

    let logged_out_refresh = restarted.refresh(&logged_out.refresh).await;
    assert_error(
        logged_out_refresh,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    let replay = restarted.refresh(&rotated.refresh).await;
    assert_error(replay, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    // The replay revoked that session, in the restarted server's store too.
    let newest = restarted.refresh(&successor.refresh).await;
    assert_error(newest, StatusCode::UNAUTHORIZED, "invalid_grant").await;
    refreshed(&restarted, &untouched.refresh).await;
}

#[tokio::test]
async fn a_stopped_server_no_longer_answers() {
    let app = spawn_app().await;
    let url = app.url("/healthz");
    let client = app.client.clone();

    app.stop().await;

    // The listener closes on the acceptor thread: give it a bounded moment.
    let mut refused = false;
    for _ in 0..40 {
        if client.get(&url).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused, "the stopped server still answers");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
