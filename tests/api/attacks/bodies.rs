//! Hostile request bodies (OWASP ASVS 5.0 V1/V2 input handling, V4 API; the OWASP mass
//! assignment cheat sheet): malformed, deeply nested, oversized and duplicate-key JSON,
//! wrong types, non-objects, and fields a client must not set.

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{expect_error, spawn_target, Target};
use crate::helpers::{tokens_from, PASSWORD};

const ENDPOINTS: [&str; 4] = [
    "/auth/register",
    "/auth/login",
    "/auth/refresh",
    "/auth/logout",
];

async fn post_bytes(
    target: &Target,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = target.app.client.post(target.app.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.unwrap()
}

/// A body every endpoint would accept the shape of, with `field` set to `value`.
fn body_with(path: &str, field: &str, value: Value) -> Value {
    let mut body = match path {
        "/auth/register" | "/auth/login" => {
            json!({"email": "new@example.com", "password": PASSWORD})
        }
        _ => json!({"refresh_token": "x.y.z"}),
    };
    body[field] = value;
    body
}

#[tokio::test]
async fn malformed_json_bodies_are_400_and_change_nothing() {
    let target = spawn_target().await;
    let users = target.user_count().await;
    let deep_array = format!("{}{}", "[".repeat(8000), "]".repeat(8000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(2500), "}".repeat(2500));
    let deep_field = format!(
        "{{\"email\":{}\"a@b.co\"{},\"password\":\"{PASSWORD}\"}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let deep_unknown = format!(
        "{{\"email\":\"new@example.com\",\"password\":\"{PASSWORD}\",\"x\":{}0{}}}",
        "[".repeat(7000),
        "]".repeat(7000)
    );
    let raw: Vec<(&str, String)> = vec![
        ("empty body", String::new()),
        ("truncated object", "{\"email\":".into()),
        ("single quotes", "{'email': 'a@b.co'}".into()),
        ("unquoted keys", "{email: \"a@b.co\"}".into()),
        ("trailing comma", "{\"refresh_token\":\"x\",}".into()),
        ("comment", "{/* hi */\"refresh_token\":\"x\"}".into()),
        ("NaN", "{\"refresh_token\":NaN}".into()),
        (
            "lone surrogate",
            "{\"email\":\"\\ud800@b.co\",\"password\":\"x\",\"refresh_token\":\"\\ud800\"}".into(),
        ),
        ("two documents", "{}{}".into()),
        ("deeply nested array", deep_array),
        ("deeply nested object", deep_object),
        ("deeply nested field", deep_field),
        ("array", "[]".into()),
        ("string", "\"a@b.co\"".into()),
        ("number", "1".into()),
        ("null", "null".into()),
        ("true", "true".into()),
        ("empty object", "{}".into()),
    ];
    for path in ENDPOINTS {
        for (name, body) in &raw {
            let case = format!("{path}: {name}");
            let response = post_bytes(
                &target,
                path,
                Some("application/json"),
                body.clone().into_bytes(),
            )
            .await;
            expect_error(response, 400, "invalid_request", None, &case).await;
        }
        // Raw bytes that are not UTF-8 at all.
        let response = post_bytes(
            &target,
            path,
            Some("application/json"),
            b"{\"email\":\"\xff\xfe\"}".to_vec(),
        )
        .await;
        expect_error(
            response,
            400,
            "invalid_request",
            None,
            &format!("{path}: raw invalid UTF-8"),
        )
        .await;
        for (field, values) in [
            (
                "email",
                vec![
                    json!(1),
                    json!(true),
                    json!(null),
                    json!(["a@b.co"]),
                    json!({"a": 1}),
                ],
            ),
            (
                "password",
                vec![
                    json!(123456789012345678u64),
                    json!(false),
                    json!(null),
                    json!([PASSWORD]),
                ],
            ),
            (
                "refresh_token",
                vec![json!(1), json!(null), json!(["x.y.z"]), json!({})],
            ),
        ] {
            let applies = match path {
                "/auth/register" | "/auth/login" => field != "refresh_token",
                _ => field == "refresh_token",
            };
            for value in values.into_iter().filter(|_| applies) {
                let case = format!("{path}: {field} = {value}");
                let response = target
                    .app
                    .post_json(path, &body_with(path, field, value))
                    .await;
                expect_error(response, 400, "invalid_request", None, &case).await;
            }
        }
        let duplicate = match path {
            "/auth/register" | "/auth/login" => format!(
                "{{\"email\":\"{}\",\"password\":\"{PASSWORD}\",\"email\":\"new@example.com\"}}",
                super::VICTIM
            ),
            _ => format!(
                "{{\"refresh_token\":\"{}\",\"refresh_token\":\"x\"}}",
                target.victim.refresh
            ),
        };
        let response = post_bytes(
            &target,
            path,
            Some("application/json"),
            duplicate.into_bytes(),
        )
        .await;
        expect_error(
            response,
            400,
            "invalid_request",
            None,
            &format!("{path}: duplicate key"),
        )
        .await;
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let body = body_with(path, "unused", json!(0)).to_string().into_bytes();
            let response = post_bytes(&target, path, content_type, body).await;
            let case = format!("{path}: content type {content_type:?}");
            expect_error(response, 415, "unsupported_media_type", None, &case).await;
        }
    }
    assert_eq!(target.user_count().await, users, "no user was created");
    // Deep nesting inside a field the server ignores is still valid JSON: it is skipped
    // like any unknown field, without exhausting the stack.
    for (path, email, status) in [
        ("/auth/login", super::VICTIM, 200),
        ("/auth/register", "deep@example.com", 201),
    ] {
        let body = deep_unknown.replace("new@example.com", email);
        let response = post_bytes(&target, path, Some("application/json"), body.into_bytes()).await;
        assert_eq!(
            response.status(),
            status,
            "{path}: deeply nested unknown field"
        );
    }
    let body = format!(
        "{{\"refresh_token\":\"x.y.z\",\"x\":{}0{}}}",
        "[".repeat(7000),
        "]".repeat(7000)
    );
    let response = post_bytes(
        &target,
        "/auth/refresh",
        Some("application/json"),
        body.into_bytes(),
    )
    .await;
    expect_error(
        response,
        401,
        "invalid_grant",
        None,
        "refresh: deeply nested unknown field",
    )
    .await;
    assert_eq!(
        target.user_count().await,
        users + 1,
        "exactly the deep registration"
    );
    target.assert_unharmed().await;
}

/// Sends a chunked body (no Content-Length) over a raw connection; returns status and body.
async fn post_chunked(target: &Target, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", target.app.port))
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes()).await;
    for chunk in body.chunks(1024) {
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break; // The server may answer and close before the body ends.
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn bodies_over_16_kib_are_413_with_or_without_a_length() {
    let target = spawn_target().await;
    let users = target.user_count().await;
    let long = "p".repeat(17 * 1024);
    for path in ENDPOINTS {
        let field = if path.ends_with("register") || path.ends_with("login") {
            "password"
        } else {
            "refresh_token"
        };
        let body = body_with(path, field, json!(long));
        let response = target.app.post_json(path, &body).await;
        expect_error(
            response,
            413,
            "payload_too_large",
            None,
            &format!("{path}: 17 KiB with a length"),
        )
        .await;
        let (status, text) = post_chunked(&target, path, body.to_string().as_bytes()).await;
        assert_eq!(status, 413, "{path}: 17 KiB chunked: {text}");
        let error: Value = serde_json::from_str(text.trim()).unwrap_or_else(|_| {
            // A chunked answer frames its JSON in chunk sizes.
            let json = text
                .lines()
                .find(|l| l.starts_with('{'))
                .unwrap_or_default();
            serde_json::from_str(json).unwrap_or(Value::Null)
        });
        assert_eq!(
            error["error"], "payload_too_large",
            "{path}: chunked body {text}"
        );
    }
    // A 15 KiB password fits the body limit but not the password rules: no hash is spent,
    // nothing is stored, nobody logs in.
    let long = "p".repeat(15 * 1024);
    let response = target.app.register("big@example.com", &long).await;
    expect_error(
        response,
        422,
        "weak_password",
        None,
        "register, 15 KiB password",
    )
    .await;
    let response = target.app.login(super::VICTIM, &long).await;
    expect_error(
        response,
        401,
        "invalid_credentials",
        None,
        "login, 15 KiB password",
    )
    .await;
    assert_eq!(target.user_count().await, users, "no user was created");
    target.assert_unharmed().await;
}

#[tokio::test]
async fn fields_a_client_must_not_set_are_ignored() {
    let target = spawn_target().await;
    let chosen_id = uuid::Uuid::new_v4();
    let extras = json!({
        "role": "admin", "roles": ["admin"], "id": chosen_id, "gen": 42, "is_admin": true,
        "admin": true, "created_at": "2000-01-01T00:00:00Z", "password_hash": "$argon2id$x",
        "email_verified": true, "sub": chosen_id, "sid": chosen_id,
    });
    let mut body = extras.clone();
    body["email"] = json!("mallory@example.com");
    body["password"] = json!(PASSWORD);
    let response = target.app.post_json("/auth/register", &body).await;
    assert_eq!(response.status(), 201, "register with extra fields");
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        created.as_object().unwrap().len(),
        3,
        "only id, email, created_at: {created}"
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_ne!(id, chosen_id.to_string(), "the server makes the id");
    assert_ne!(created["created_at"], "2000-01-01T00:00:00Z");
    let response = target.app.post_json("/auth/login", &body).await;
    assert_eq!(response.status(), 200, "login with extra fields");
    let tokens = tokens_from(response.json().await.unwrap());
    let me: Value = target
        .app
        .get_with_token("/auth/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["roles"], json!([]), "no role was assigned");
    let claims = crate::helpers::jwt_part(&tokens.refresh, 1);
    assert_eq!(claims["gen"], 0, "the generation is the server's");
    let response = target
        .app
        .get_with_token("/admin/users", &tokens.access)
        .await;
    let challenge = "Bearer realm=\"authd\", error=\"insufficient_scope\"";
    expect_error(
        response,
        403,
        "insufficient_scope",
        Some(challenge),
        "mallory on /admin",
    )
    .await;
    let mut refresh = extras;
    refresh["refresh_token"] = json!(tokens.refresh);
    let response = target.app.post_json("/auth/refresh", &refresh).await;
    assert_eq!(response.status(), 200, "refresh with extra fields");
    let pair = tokens_from(response.json().await.unwrap());
    let me: Value = target
        .app
        .get_with_token("/auth/me", &pair.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["roles"], json!([]), "refresh assigned no role");
    assert_eq!(me["id"], id.as_str());
    target.assert_unharmed().await;
}
