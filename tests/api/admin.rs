//! `GET /admin/users`: the user list for holders of the `admin` role, oldest first.

use authd::domain::{Email, Password, PasswordPolicy};
use authd::store::NewUser;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, TestApp, PASSWORD};

async fn admin_token(app: &TestApp) -> String {
    app.add_user_with_roles("root@example.com", &["admin"])
        .await;
    app.logged_in("root@example.com", PASSWORD).await.access
}

/// Inserts `count` users straight into the store (one shared hash keeps it quick).
async fn add_users(app: &TestApp, count: usize) {
    let users = app.user_store().await;
    let first = Email::parse("user0@example.com").unwrap();
    let password = Password::parse(PASSWORD, &first, &PasswordPolicy::new(15)).unwrap();
    let hash = app.settings.hashing.argon2.hash(&password).unwrap();
    for n in 0..count {
        let email = Email::parse(&format!("user{n}@example.com")).unwrap();
        users
            .insert(&NewUser::new(email, hash.clone(), vec![]))
            .await
            .unwrap();
    }
}

async fn list(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.get_with_token(&format!("/admin/users{query}"), token)
        .await
}

#[tokio::test]
async fn an_admin_gets_every_user_oldest_first() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.register("alice@example.com", PASSWORD).await;
    app.register("bob@example.com", PASSWORD).await;

    let response = list(&app, &token, "").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["total"], 3);
    let users = body["users"].as_array().unwrap();
    let emails: Vec<&str> = users.iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(
        emails,
        ["root@example.com", "alice@example.com", "bob@example.com"]
    );
    for user in users {
        let mut fields: Vec<&str> = user
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, ["created_at", "email", "id", "roles"], "{user}");
        assert!(uuid::Uuid::parse_str(user["id"].as_str().unwrap()).is_ok());
        let created_at =
            chrono::DateTime::parse_from_rfc3339(user["created_at"].as_str().unwrap()).unwrap();
        assert_eq!(created_at.offset().local_minus_utc(), 0);
        assert!(user.get("password_hash").is_none());
    }
    assert_eq!(users[0]["roles"], json!(["admin"]));
    assert_eq!(users[1]["roles"], json!([]));
}

#[tokio::test]
async fn limit_and_offset_page_through_the_users() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    add_users(&app, 5).await;

    let response = list(&app, &token, "?limit=2&offset=2").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["total"], 6);
    let emails: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["user1@example.com", "user2@example.com"]);
}

#[tokio::test]
async fn an_offset_past_the_end_is_an_empty_page() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;

    for offset in ["10", "9223372036854775807"] {
        let response = list(&app, &token, &format!("?offset={offset}")).await;

        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"users": [], "total": 1}));
    }
}

#[tokio::test]
async fn the_default_page_is_50_and_no_page_exceeds_200() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    add_users(&app, 205).await;

    let default: Value = list(&app, &token, "").await.json().await.unwrap();
    let capped: Value = list(&app, &token, "?limit=250").await.json().await.unwrap();
    let huge: Value = list(&app, &token, "?limit=4294967295")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(default["users"].as_array().unwrap().len(), 50);
    assert_eq!(default["total"], 206);
    assert_eq!(capped["users"].as_array().unwrap().len(), 200);
    assert_eq!(capped["total"], 206);
    assert_eq!(huge["users"].as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn a_bad_limit_or_offset_is_400_invalid_request() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;

    for query in [
        "?limit=0",
        "?limit=abc",
        "?limit=-1",
        "?limit=1.5",
        "?offset=-1",
        "?offset=abc",
        "?limit=99999999999999999999",
        // Past i64::MAX: more than any SQL offset can say.
        "?offset=9223372036854775808",
    ] {
        let response = list(&app, &token, query).await;

        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query} → {body}");
        assert_eq!(body["error"], "invalid_request", "{query} → {body}");
    }
}

#[tokio::test]
async fn a_user_without_the_admin_role_is_403_insufficient_scope() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    let response = list(&app, &tokens.access, "").await;

    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"authd\", error=\"insufficient_scope\""
    );
    assert_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
}

#[tokio::test]
async fn another_role_is_not_admin() {
    let app = spawn_app().await;
    app.add_user_with_roles("ops@example.com", &["administrator", "admin:read"])
        .await;
    let tokens = app.logged_in("ops@example.com", PASSWORD).await;

    let response = list(&app, &tokens.access, "").await;

    assert_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
}

#[tokio::test]
async fn no_token_is_401_and_a_bad_one_is_401_invalid_token() {
    let app = spawn_app().await;

    let missing = app
        .client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    let bad = list(&app, "not-a-token", "").await;

    assert_eq!(
        missing.headers()["www-authenticate"],
        "Bearer realm=\"authd\""
    );
    assert_error(missing, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(
        bad.headers()["www-authenticate"],
        "Bearer realm=\"authd\", error=\"invalid_token\""
    );
    assert_error(bad, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn a_bad_token_is_401_even_with_a_bad_query() {
    let app = spawn_app().await;

    let response = list(&app, "not-a-token", "?limit=abc").await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}
