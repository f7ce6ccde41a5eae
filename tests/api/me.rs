//! `GET /auth/me` and the bearer extractor behind every protected route (RFC 6750 §2.1).

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, jwt_part, spawn_app, PASSWORD};

const PLAIN_CHALLENGE: &str = "Bearer realm=\"authd\"";
const INVALID_TOKEN_CHALLENGE: &str = "Bearer realm=\"authd\", error=\"invalid_token\"";

async fn assert_challenge(response: Response, challenge: &str) {
    let header = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header.as_deref(), Some(challenge));
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn me_answers_who_the_token_says_you_are() {
    let app = spawn_app().await;
    let registered: Value = app
        .register("alice@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let tokens = app.logged_in("alice@example.com", PASSWORD).await;

    let response = app.get_with_token("/auth/me", &tokens.access).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let claims = jwt_part(&tokens.access, 1);
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["email", "expires_at", "id", "roles", "sid"]);
    assert_eq!(body["id"], registered["id"]);
    assert_eq!(body["email"], "alice@example.com");
    assert_eq!(body["roles"], json!([]));
    assert_eq!(body["sid"], claims["sid"]);
    let expires_at = chrono::DateTime::parse_from_rfc3339(body["expires_at"].as_str().unwrap())
        .expect("RFC 3339");
    assert_eq!(expires_at.offset().local_minus_utc(), 0);
    assert_eq!(expires_at.timestamp(), claims["exp"].as_i64().unwrap());
}

#[tokio::test]
async fn me_shows_the_roles_of_the_token() {
    let app = spawn_app().await;
    app.add_user_with_roles("root@example.com", &["admin", "billing:read"])
        .await;
    let tokens = app.logged_in("root@example.com", PASSWORD).await;

    let body: Value = app
        .get_with_token("/auth/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(body["roles"], json!(["admin", "billing:read"]));
}

#[tokio::test]
async fn a_user_with_many_roles_gets_a_5_kib_token_that_works() {
    let app = spawn_app().await;
    let roles: Vec<String> = (0..80)
        .map(|n| format!("team-{n:02}:{}", "r".repeat(40)))
        .collect();
    let role_refs: Vec<&str> = roles.iter().map(String::as_str).collect();
    app.add_user_with_roles("many@example.com", &role_refs)
        .await;
    let tokens = app.logged_in("many@example.com", PASSWORD).await;

    let response = app.get_with_token("/auth/me", &tokens.access).await;

    assert!(
        (5_000..6_000).contains(&tokens.access.len()),
        "{} bytes",
        tokens.access.len()
    );
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["roles"], json!(roles));
}

#[tokio::test]
async fn me_needs_no_store_once_the_token_is_issued() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;
    let pool = sqlx::SqlitePool::connect(&app.settings.database.url)
        .await
        .unwrap();
    sqlx::query("DELETE FROM users")
        .execute(&pool)
        .await
        .unwrap();

    let response = app.get_with_token("/auth/me", &tokens.access).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_may_be_followed_by_several_spaces() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    for scheme in ["Bearer ", "bearer ", "BEARER ", "BeArEr ", "Bearer    "] {
        let response = app
            .get_with_authorization("/auth/me", &format!("{scheme}{}", tokens.access))
            .await;

        assert_eq!(response.status(), StatusCode::OK, "{scheme:?}");
    }
}

#[tokio::test]
async fn no_authorization_header_is_401_with_a_plain_challenge() {
    let app = spawn_app().await;

    let response = app.client.get(app.url("/auth/me")).send().await.unwrap();

    assert_challenge(response, PLAIN_CHALLENGE).await;
}

#[tokio::test]
async fn another_scheme_is_401_with_a_plain_challenge() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    for value in [
        "Basic YWxpY2VAZXhhbXBsZS5jb206cGFzc3dvcmQ=".to_owned(),
        format!("Token {}", tokens.access),
        tokens.access.clone(),
    ] {
        let response = app.get_with_authorization("/auth/me", &value).await;

        assert_challenge(response, PLAIN_CHALLENGE).await;
    }
}

#[tokio::test]
async fn a_token_in_the_query_string_is_ignored() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    let response = app
        .client
        .get(app.url(&format!("/auth/me?access_token={}", tokens.access)))
        .send()
        .await
        .unwrap();

    assert_challenge(response, PLAIN_CHALLENGE).await;
}

#[tokio::test]
async fn garbage_after_bearer_is_401_invalid_token() {
    let app = spawn_app().await;

    for value in [
        "Bearer garbage",
        "Bearer a.b.c",
        "Bearer ",
        "Bearer",
        "Bearer a b",
        "Bearer \"quoted\"",
        "Bearer ===",
    ] {
        let response = app.get_with_authorization("/auth/me", value).await;

        assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
    }
}

#[tokio::test]
async fn an_access_token_within_the_leeway_after_exp_still_works() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    app.clock.advance(900 + 30);

    let response = app.get_with_token("/auth/me", &tokens.access).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_access_token_is_401_invalid_token() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    app.clock.advance(900 + 30 + 1);

    let response = app.get_with_token("/auth/me", &tokens.access).await;
    assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_401_invalid_token() {
    let app = spawn_app().await;
    app.register("alice@example.com", PASSWORD).await;
    app.clock.advance(120);
    let tokens = app.logged_in("alice@example.com", PASSWORD).await;

    app.clock.advance(-120);

    let response = app.get_with_token("/auth/me", &tokens.access).await;
    assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
}

#[tokio::test]
async fn a_tampered_access_token_is_401_invalid_token() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;
    let parts: Vec<&str> = tokens.access.split('.').collect();
    let mut claims = jwt_part(&tokens.access, 1);
    claims["roles"] = json!(["admin"]);
    let tampered_claims = format!(
        "{}.{}.{}",
        parts[0],
        b64(&serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    let mut signature = parts[2].as_bytes().to_vec();
    signature[3] = if signature[3] == b'A' { b'B' } else { b'A' };
    let tampered_signature = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(signature).unwrap()
    );

    for bad in [tampered_claims, tampered_signature] {
        let response = app.get_with_token("/auth/me", &bad).await;
        assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
    }
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    let response = app.get_with_token("/auth/me", &tokens.refresh).await;

    assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
}

#[tokio::test]
async fn an_unsigned_token_is_401_invalid_token() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;
    let mut header = jwt_part(&tokens.access, 0);
    header["alg"] = json!("none");
    let parts: Vec<&str> = tokens.access.split('.').collect();

    for unsigned in [
        format!(
            "{}.{}.",
            b64(&serde_json::to_vec(&header).unwrap()),
            parts[1]
        ),
        format!(
            "{}.{}",
            b64(&serde_json::to_vec(&header).unwrap()),
            parts[1]
        ),
    ] {
        let response = app.get_with_token("/auth/me", &unsigned).await;
        assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
    }
}

#[tokio::test]
async fn a_token_signed_by_another_servers_key_is_401_invalid_token() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    other.register("alice@example.com", PASSWORD).await;
    let foreign = other.logged_in("alice@example.com", PASSWORD).await;

    let response = app.get_with_token("/auth/me", &foreign.access).await;

    assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
}

#[tokio::test]
async fn a_token_for_another_audience_or_issuer_is_401_invalid_token() {
    let app = spawn_app().await;
    let keys_dir = app.settings.keys.dir.clone();
    // A second server on the same keys but another audience and issuer.
    let other = crate::helpers::spawn_app_with(|s| {
        s.keys.dir = keys_dir;
        s.tokens.audience = "billing".into();
        s.tokens.issuer = "elsewhere".into();
    })
    .await;
    other.register("alice@example.com", PASSWORD).await;
    let foreign = other.logged_in("alice@example.com", PASSWORD).await;
    assert_eq!(
        jwt_part(&foreign.access, 0)["kid"],
        app.keys.current().kids().next().unwrap()
    );

    let response = app.get_with_token("/auth/me", &foreign.access).await;

    assert_challenge(response, INVALID_TOKEN_CHALLENGE).await;
}
