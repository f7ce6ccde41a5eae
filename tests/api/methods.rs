//! HEAD (RFC 9110 §9.3.2): every GET route answers it with the headers a GET would get and
//! no body, and a 405 lists it beside GET in `Allow`.

use reqwest::{Method, Response, StatusCode};

use crate::helpers::{spawn_app, TestApp, PASSWORD};

/// Every GET route of the table.
const GET_ROUTES: [&str; 5] = [
    "/auth/me",
    "/admin/users",
    "/.well-known/jwks.json",
    "/healthz",
    "/readyz",
];

/// The headers a HEAD must share with its GET (`date` may tick between the two).
const SHARED_HEADERS: [&str; 6] = [
    "content-type",
    "content-length",
    "cache-control",
    "etag",
    "www-authenticate",
    "allow",
];

async fn send(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

async fn assert_head_is_get_without_body(app: &TestApp, path: &str, token: Option<&str>) {
    let get = send(app, Method::GET, path, token).await;
    let head = send(app, Method::HEAD, path, token).await;

    assert_eq!(head.status(), get.status(), "HEAD {path}");
    for name in SHARED_HEADERS {
        assert_eq!(
            head.headers().get(name),
            get.headers().get(name),
            "{name} of HEAD {path}"
        );
    }
    assert!(
        head.bytes().await.unwrap().is_empty(),
        "HEAD {path} has a body"
    );
}

#[tokio::test]
async fn every_get_route_answers_head_with_the_headers_of_get_and_no_body() {
    let app = spawn_app().await;
    app.add_user_with_roles("root@example.com", &["admin"])
        .await;
    let admin = app.logged_in("root@example.com", PASSWORD).await;

    for path in GET_ROUTES {
        let head = send(&app, Method::HEAD, path, Some(&admin.access)).await;
        assert_eq!(head.status(), StatusCode::OK, "HEAD {path}");
        assert!(
            head.headers().get("content-length").is_some(),
            "HEAD {path} says how long the GET's body is"
        );

        assert_head_is_get_without_body(&app, path, Some(&admin.access)).await;
    }
}

#[tokio::test]
async fn a_head_without_a_token_gets_the_challenge_of_get() {
    let app = spawn_app().await;

    for path in ["/auth/me", "/admin/users"] {
        let head = send(&app, Method::HEAD, path, None).await;
        assert_eq!(head.status(), StatusCode::UNAUTHORIZED, "HEAD {path}");

        assert_head_is_get_without_body(&app, path, None).await;
    }
}

#[tokio::test]
async fn a_405_on_a_get_route_allows_get_and_head() {
    let app = spawn_app().await;

    for path in GET_ROUTES {
        for method in [Method::POST, Method::PUT, Method::DELETE] {
            let response = send(&app, method.clone(), path, None).await;

            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(response.headers()["allow"], "GET, HEAD", "{method} {path}");
        }
    }
}

#[tokio::test]
async fn a_head_on_a_post_route_is_405_allowing_post() {
    let app = spawn_app().await;

    for path in ["/auth/login", "/auth/register", "/auth/refresh"] {
        let response = send(&app, Method::HEAD, path, None).await;

        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(response.headers()["allow"], "POST", "{path}");
    }
}
