//! `POST /auth/register`: 201 with the new account, 409 for a taken email, 422 for an email
//! or password that breaks the rules, 400 for a body that is not the request, 415 for non-JSON.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn registering_answers_201_with_the_id_normalized_email_and_creation_time() {
    let app = spawn_app().await;

    let response = app.register("  Alice@Example.COM ", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, ["created_at", "email", "id"], "body {body}");
    assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
    assert_eq!(body["email"], "alice@example.com");
    let created_at = body["created_at"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(created_at).expect("RFC 3339");
    assert_eq!(parsed.offset().local_minus_utc(), 0, "UTC: {created_at}");
    let age = chrono::Utc::now().signed_duration_since(parsed);
    assert!(age.num_seconds().abs() < 60, "created_at {created_at}");
}

#[tokio::test]
async fn a_registered_user_can_log_in() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;

    let response = app.login("alice@example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_taken_email_is_409_email_taken() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("alice@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    let response = app.register("alice@example.com", PASSWORD).await;

    assert_error(response, StatusCode::CONFLICT, "email_taken").await;
}

#[tokio::test]
async fn the_same_email_in_another_case_spacing_or_unicode_form_is_taken_too() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("alice@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    for same in [
        "ALICE@EXAMPLE.COM",
        "  alice@example.com\t",
        "\u{ff41}\u{ff4c}\u{ff49}\u{ff43}\u{ff45}@example.com", // full-width "alice"
        "Alice@Ｅxample.com",
    ] {
        let response = app.register(same, "another long passphrase here").await;

        let body = assert_error(response, StatusCode::CONFLICT, "email_taken").await;
        assert!(body.get("id").is_none(), "{same:?}: {body}");
    }
}

#[tokio::test]
async fn malformed_emails_are_422_invalid_email() {
    let app = spawn_app().await;

    for bad in [
        "",
        "   ",
        "no-at-sign",
        "a@b@example.com",
        "@example.com",
        "alice@localhost",
        "al ice@example.com",
        "\"alice\"@example.com",
        "alice\u{200b}@example.com",
        &format!("{}@example.com", "a".repeat(65)),
        &format!("a@{}.com", "d".repeat(250)),
    ] {
        let response = app.register(bad, PASSWORD).await;

        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email").await;
    }
}

#[tokio::test]
async fn a_password_shorter_than_the_minimum_is_422_weak_password() {
    let app = spawn_app().await;

    // 14 code points, one short of the default 15.
    let response = app.register("alice@example.com", "short password").await;

    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
}

#[tokio::test]
async fn an_empty_password_is_422_weak_password() {
    let app = spawn_app().await;

    let response = app.register("alice@example.com", "").await;

    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
}

#[tokio::test]
async fn a_password_over_128_code_points_is_422_but_128_is_accepted() {
    let app = spawn_app().await;

    let too_long = app
        .register("alice@example.com", &"\u{1f512}".repeat(129))
        .await;
    let longest = app
        .register("alice@example.com", &"\u{1f512}".repeat(128))
        .await;

    assert_error(too_long, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    assert_eq!(longest.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn length_is_counted_after_nfkc() {
    let app = spawn_app().await;

    // "ﬁ" (U+FB01) is one code point that NFKC turns into two: 8 ligatures are 16 after NFKC.
    let response = app
        .register("alice@example.com", &"\u{fb01}".repeat(8))
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_common_password_is_422_even_when_long_enough() {
    let app = spawn_app_with(|s| s.hashing.password_min_length = 8).await;

    let common = app.register("alice@example.com", "PASSWORD1").await;
    let uncommon = app.register("alice@example.com", "zq8vlm4kx").await;

    assert_error(common, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    assert_eq!(uncommon.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_password_that_is_the_email_or_contains_its_local_part_is_422() {
    let app = spawn_app().await;

    let the_email = app.register("alice@example.com", "ALICE@example.com").await;
    let has_local_part = app
        .register("alice@example.com", "my name is Alice, really")
        .await;

    assert_error(the_email, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    assert_error(
        has_local_part,
        StatusCode::UNPROCESSABLE_ENTITY,
        "weak_password",
    )
    .await;
}

#[tokio::test]
async fn a_local_part_under_four_characters_may_appear_in_the_password() {
    let app = spawn_app().await;

    let response = app
        .register("bob@example.com", "bob is a long passphrase")
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn each_password_rule_gives_its_own_reason() {
    let app = spawn_app_with(|s| s.hashing.password_min_length = 8).await;

    let mut messages = Vec::new();
    for password in ["short", &"x".repeat(129), "password1", "alice@example.com"] {
        let response = app.register("alice@example.com", password).await;
        let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
        messages.push(body["message"].as_str().unwrap().to_owned());
    }

    let mut distinct = messages.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "messages {messages:?}");
}

#[tokio::test]
async fn malformed_json_wrong_types_and_missing_fields_are_400_invalid_request() {
    let app = spawn_app().await;

    for body in [
        r#"{"email": "alice@example.com", "password": "#,
        r#"{"email": 5, "password": "correct horse battery staple"}"#,
        r#"{"email": "alice@example.com", "password": true}"#,
        r#"{"email": null, "password": "correct horse battery staple"}"#,
        r#"{"email": "alice@example.com"}"#,
        r#"{"password": "correct horse battery staple"}"#,
        r#"{}"#,
        "",
        "null",
        r#""alice@example.com""#,
    ] {
        let response = app
            .post_raw("/auth/register", Some("application/json"), body)
            .await;

        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?} → {answer}");
        assert_eq!(answer["error"], "invalid_request", "{body:?} → {answer}");
    }
}

#[tokio::test]
async fn a_json_array_is_not_the_request_object() {
    let app = spawn_app().await;

    // serde's derived structs accept a sequence in field order unless told otherwise.
    let response = app
        .post_raw(
            "/auth/register",
            Some("application/json"),
            r#"["alice@example.com", "correct horse battery staple"]"#,
        )
        .await;

    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn unknown_fields_such_as_role_and_id_are_ignored() {
    let app = spawn_app().await;
    let chosen_id = "00000000-0000-0000-0000-000000000001";

    let response = app
        .post_json(
            "/auth/register",
            &json!({
                "email": "mallory@example.com",
                "password": PASSWORD,
                "role": "admin",
                "roles": ["admin"],
                "id": chosen_id,
            }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_ne!(body["id"], chosen_id);
    let tokens = app.logged_in("mallory@example.com", PASSWORD).await;
    let me: Value = app
        .get_with_token("/auth/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["roles"], json!([]));
    let admin = app.get_with_token("/admin/users", &tokens.access).await;
    assert_error(admin, StatusCode::FORBIDDEN, "insufficient_scope").await;
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_415() {
    let app = spawn_app().await;
    let body = json!({"email": "alice@example.com", "password": PASSWORD}).to_string();

    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let response = app
            .post_raw("/auth/register", content_type, body.clone())
            .await;

        assert_error(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
}
