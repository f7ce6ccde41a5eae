//! What every route shares: JSON 404 and 405, the 16 KiB limits on body and head, 415 for
//! non-JSON, 400 for JSON that is not the request; never a 500.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{assert_error, spawn_app, TestApp, PASSWORD};

/// The routes that read a JSON body, with a body each would accept.
fn json_routes() -> Vec<(&'static str, Value)> {
    vec![
        (
            "/auth/register",
            json!({"email": "alice@example.com", "password": PASSWORD}),
        ),
        (
            "/auth/login",
            json!({"email": "alice@example.com", "password": PASSWORD}),
        ),
        ("/auth/refresh", json!({"refresh_token": "x.y.z"})),
        ("/auth/logout", json!({"refresh_token": "x.y.z"})),
    ]
}

/// Sends `request` on a fresh connection and returns the status and the body.
async fn raw_request(app: &TestApp, request: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    )
    .await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn an_unknown_path_is_404_not_found_in_json() {
    let app = spawn_app().await;

    for path in ["/", "/nope", "/auth", "/auth/me/extra", "/.well-known/jwks"] {
        let get = app.client.get(app.url(path)).send().await.unwrap();
        assert_error(get, StatusCode::NOT_FOUND, "not_found").await;
    }
    let post = app.post_json("/auth/signup", &json!({})).await;
    assert_error(post, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_wrong_method_is_405_with_an_allow_header() {
    let app = spawn_app().await;

    for (method, path, allow) in [
        (reqwest::Method::GET, "/auth/login", "POST"),
        (reqwest::Method::GET, "/auth/register", "POST"),
        (reqwest::Method::PUT, "/auth/refresh", "POST"),
        (reqwest::Method::DELETE, "/auth/logout", "POST"),
        (reqwest::Method::POST, "/auth/me", "GET, HEAD"),
        (reqwest::Method::DELETE, "/admin/users", "GET, HEAD"),
        (reqwest::Method::POST, "/.well-known/jwks.json", "GET, HEAD"),
        (reqwest::Method::PATCH, "/healthz", "GET, HEAD"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();

        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_error(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
    }
}

#[tokio::test]
async fn a_body_over_16_kib_is_413_payload_too_large() {
    let app = spawn_app().await;
    let padding = "p".repeat(16 * 1024);

    for (path, _) in json_routes() {
        let body =
            json!({"email": "alice@example.com", "password": padding, "refresh_token": padding});
        let response = app.post_json(path, &body).await;

        assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    }
}

#[tokio::test]
async fn a_body_of_exactly_16_kib_is_read() {
    let app = spawn_app().await;
    let frame = r#"{"email":"alice@example.com","password":""}"#;
    let password = "p".repeat(16 * 1024 - frame.len());
    let body = format!(r#"{{"email":"alice@example.com","password":"{password}"}}"#);
    assert_eq!(body.len(), 16 * 1024);

    let response = app
        .post_raw("/auth/login", Some("application/json"), body)
        .await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn a_chunked_body_over_16_kib_is_413_too() {
    let app = spawn_app().await;
    let chunk = "a".repeat(4096);
    let mut request = String::from(
        "POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    request.push_str("10\r\n{\"password\": \"aa\r\n");
    for _ in 0..5 {
        request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    request.push_str("0\r\n\r\n");

    let (status, body) = raw_request(&app, request.as_bytes()).await;

    assert_eq!(status, 413, "{body}");
    let body: Value = serde_json::from_str(body.trim()).unwrap_or_else(|_| {
        // A chunked answer: take the JSON between the chunk framing.
        let start = body.find('{').unwrap();
        let end = body.rfind('}').unwrap();
        serde_json::from_str(&body[start..=end]).unwrap()
    });
    assert_eq!(body["error"], "payload_too_large");
}

#[tokio::test]
async fn a_request_head_over_16_kib_is_431_headers_too_large() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-filler", "f".repeat(17 * 1024))
        .send()
        .await
        .unwrap();

    assert_error(
        response,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
}

#[tokio::test]
async fn a_long_url_counts_toward_the_head_limit() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url(&format!("/healthz?pad={}", "q".repeat(17 * 1024))))
        .send()
        .await
        .unwrap();

    assert_error(
        response,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
}

#[tokio::test]
async fn a_head_of_many_small_headers_over_16_kib_is_431_headers_too_large() {
    let app = spawn_app().await;
    // 80 headers of ~230 bytes: over 16 KiB in all, under actix-http's 96-header cap.
    let mut request = app.client.get(app.url("/healthz"));
    for n in 0..80 {
        request = request.header(format!("x-filler-{n}"), "f".repeat(220));
    }

    let response = request.send().await.unwrap();

    assert_error(
        response,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
}

/// actix-http refuses a head of more than 96 header fields itself, with a bare 431,
/// before any application code runs (README: "Known limits"). The status still holds.
#[tokio::test]
async fn more_than_96_header_fields_are_refused_with_431_by_actix() {
    let app = spawn_app().await;
    let mut request = app.client.get(app.url("/healthz"));
    for n in 0..100 {
        request = request.header(format!("x-filler-{n}"), "f");
    }

    let response = request.send().await.unwrap();

    assert_eq!(
        response.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
}

#[tokio::test]
async fn a_head_just_under_16_kib_is_served() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-filler", "f".repeat(15 * 1024))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415_on_every_json_route() {
    let app = spawn_app().await;

    for (path, body) in json_routes() {
        for content_type in [None, Some("text/plain"), Some("application/xml")] {
            let response = app.post_raw(path, content_type, body.to_string()).await;

            assert_error(
                response,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            )
            .await;
        }
    }
}

#[tokio::test]
async fn a_json_content_type_with_a_charset_is_json() {
    let app = spawn_app().await;

    let response = app
        .post_raw(
            "/auth/register",
            Some("application/json; charset=utf-8"),
            json!({"email": "alice@example.com", "password": PASSWORD}).to_string(),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn json_that_is_not_the_request_is_400_invalid_request_on_every_json_route() {
    let app = spawn_app().await;
    let deep = "[".repeat(10_000);
    let deep_object = format!("{}{}", r#"{"email":"#.repeat(1_500), "1");

    for (path, _) in json_routes() {
        for body in [
            "{",
            "{\"email\": }",
            "",
            "null",
            "42",
            "\"text\"",
            "[]",
            "{} {}",
            deep.as_str(),
            deep_object.as_str(),
            r#"{"email": "alice@example.com", "email": "bob@example.com", "password": "correct horse battery staple", "refresh_token": "x.y.z", "refresh_token": "a.b.c"}"#,
        ] {
            let response = app
                .post_raw(path, Some("application/json"), body.to_owned())
                .await;

            let status = response.status();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            let shown = &body[..body.len().min(40)];
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{path} {shown:?} → {answer}"
            );
            assert_eq!(
                answer["error"], "invalid_request",
                "{path} {shown:?} → {answer}"
            );
        }
    }
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_400_invalid_request() {
    let app = spawn_app().await;
    let mut body = br#"{"email": "alice@example.com", "password": ""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    body.extend_from_slice(br#""}"#);

    let response = app
        .post_raw("/auth/login", Some("application/json"), body)
        .await;

    assert_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn protected_routes_read_no_body_before_the_bearer_check() {
    let app = spawn_app().await;

    let response = app
        .post_raw("/auth/password", Some("application/json"), "{not json")
        .await;

    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn json_media_types_are_accepted_in_any_case_and_with_parameters() {
    let app = spawn_app().await;
    for (n, content_type) in [
        "application/json",
        "Application/Json ; charset=utf-8",
        "APPLICATION/JSON;charset=UTF-8",
        "application/vnd.api+json",
    ]
    .into_iter()
    .enumerate()
    {
        let body = format!(
            r#"{{"email":"user{n}@example.com","password":"correct horse battery staple"}}"#
        );
        let response = app
            .client
            .post(app.url("/auth/register"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{content_type}");
    }
    for content_type in ["application/jsonx", "text/json", "application", ""] {
        let response = app
            .client
            .post(app.url("/auth/register"))
            .header("Content-Type", content_type)
            .body(r#"{"email":"x@example.com","password":"correct horse battery staple"}"#)
            .send()
            .await
            .unwrap();
        assert_error(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
}
