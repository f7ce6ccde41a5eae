//! The OAuth 2.0 surface: `/oauth/token` (RFC 6749 password and refresh_token grants,
//! form-encoded, §5.2 errors), `/oauth/revoke` (RFC 7009) and the server metadata
//! (RFC 8414), over the same flows as the JSON endpoints.

use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::helpers::{jwt_part, spawn_app, spawn_app_with, TestApp, PASSWORD};

const EMAIL: &str = "alice@example.com";

async fn form(app: &TestApp, path: &str, params: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(path))
        .form(params)
        .send()
        .await
        .unwrap()
}

async fn password_grant(app: &TestApp, password: &str) -> Response {
    form(
        app,
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("username", EMAIL),
            ("password", password),
        ],
    )
    .await
}

/// Asserts an RFC 6749 §5.2 error answer and returns its body.
async fn assert_oauth_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    let description = body["error_description"].as_str().unwrap_or("");
    assert!(!description.is_empty(), "no error_description: {body}");
    assert!(body.get("message").is_none(), "{body}");
    body
}

async fn signed_up_app() -> TestApp {
    let app = spawn_app().await;
    app.register(EMAIL, PASSWORD).await;
    app
}

#[tokio::test]
async fn the_password_grant_answers_a_token_pair_that_is_never_cached() {
    let app = signed_up_app().await;

    let response = password_grant(&app, PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].is_string());
    assert!(body["device_token"].is_string());
    assert!(body.get("scope").is_none(), "no scope asked, none echoed");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(jwt_part(access, 1)["client_id"], "authd");
    let me = app.get_with_token("/auth/me", access).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_requested_scope_is_ignored_and_echoed_empty() {
    let app = signed_up_app().await;

    let body: Value = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("username", EMAIL),
            ("password", PASSWORD),
            ("scope", "openid profile"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();

    assert_eq!(body["scope"], "");
}

#[tokio::test]
async fn the_client_id_comes_from_the_body_or_from_basic_and_names_the_tokens_client() {
    let app = spawn_app_with(|s| s.tokens.client_ids = "authd,mobile".parse().unwrap()).await;
    app.register(EMAIL, PASSWORD).await;
    let grant = [
        ("grant_type", "password"),
        ("username", EMAIL),
        ("password", PASSWORD),
    ];

    let by_body: Value = form(
        &app,
        "/oauth/token",
        &[grant.as_slice(), &[("client_id", "mobile")]].concat(),
    )
    .await
    .json()
    .await
    .unwrap();
    let by_basic: Value = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth("mobile", Some(""))
        .form(&grant)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    for body in [&by_body, &by_basic] {
        let access = body["access_token"].as_str().unwrap();
        assert_eq!(jwt_part(access, 1)["client_id"], "mobile");
    }
    // The refresh grant issues to the client that asks.
    let refresh = by_body["refresh_token"].as_str().unwrap();
    let refreshed: Value = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", "mobile"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        jwt_part(refreshed["access_token"].as_str().unwrap(), 1)["client_id"],
        "mobile"
    );
}

#[tokio::test]
async fn an_unknown_client_is_401_invalid_client_with_the_basic_challenge_for_basic() {
    let app = signed_up_app().await;
    let grant = [
        ("grant_type", "password"),
        ("username", EMAIL),
        ("password", PASSWORD),
    ];

    let by_body = form(
        &app,
        "/oauth/token",
        &[grant.as_slice(), &[("client_id", "evil")]].concat(),
    )
    .await;
    assert!(by_body.headers().get("www-authenticate").is_none());
    assert_oauth_error(by_body, StatusCode::UNAUTHORIZED, "invalid_client").await;

    let by_basic = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth("evil", Some(""))
        .form(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_basic.headers()["www-authenticate"],
        "Basic realm=\"authd\""
    );
    assert_oauth_error(by_basic, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_are_the_same_400_invalid_grant() {
    let app = signed_up_app().await;

    let wrong = assert_oauth_error(
        password_grant(&app, "not the password, clearly").await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;
    let unknown = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("username", "nobody@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let unknown = assert_oauth_error(unknown, StatusCode::BAD_REQUEST, "invalid_grant").await;

    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn malformed_requests_are_400_invalid_request_and_other_grants_unsupported() {
    let app = signed_up_app().await;

    let json = app
        .post_json(
            "/oauth/token",
            &serde_json::json!({"grant_type": "password"}),
        )
        .await;
    assert_oauth_error(json, StatusCode::BAD_REQUEST, "invalid_request").await;

    let missing = form(
        &app,
        "/oauth/token",
        &[("grant_type", "password"), ("username", EMAIL)],
    )
    .await;
    let body = assert_oauth_error(missing, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("password"));

    let no_grant = form(&app, "/oauth/token", &[("username", EMAIL)]).await;
    assert_oauth_error(no_grant, StatusCode::BAD_REQUEST, "invalid_request").await;

    let twice = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("username", EMAIL),
            ("username", EMAIL),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_oauth_error(twice, StatusCode::BAD_REQUEST, "invalid_request").await;

    for grant in ["client_credentials", "authorization_code", "PASSWORD"] {
        let other = form(&app, "/oauth/token", &[("grant_type", grant)]).await;
        assert_oauth_error(other, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
    }
}

#[tokio::test]
async fn the_refresh_grant_rotates_and_a_replay_after_the_grace_window_revokes_the_session() {
    let app = spawn_app_with(|s| s.tokens.refresh_reuse_grace = 10).await;
    app.register(EMAIL, PASSWORD).await;
    let first: Value = password_grant(&app, PASSWORD).await.json().await.unwrap();
    let old = first["refresh_token"].as_str().unwrap();
    let refresh = |token: String| {
        let app = &app;
        async move {
            form(
                app,
                "/oauth/token",
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
            )
            .await
        }
    };

    let rotated = refresh(old.to_owned()).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    assert_ne!(rotated["refresh_token"], first["refresh_token"]);
    assert!(rotated.get("device_token").is_none());
    // Within the grace window, the same successor (a client retrying a lost answer).
    let again: Value = refresh(old.to_owned()).await.json().await.unwrap();
    assert_eq!(again["refresh_token"], rotated["refresh_token"]);

    app.clock.advance(11);
    assert_oauth_error(
        refresh(old.to_owned()).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;
    // The replay revoked the session: its newest token is dead too, on either endpoint.
    let newest = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_oauth_error(
        refresh(newest.clone()).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        app.refresh(&newest).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_token_from_the_json_login_refreshes_through_the_oauth_endpoint_and_back() {
    let app = signed_up_app().await;
    let tokens = app.logged_in(EMAIL, PASSWORD).await;

    let oauth: Value = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &tokens.refresh),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let json = app.refresh(oauth["refresh_token"].as_str().unwrap()).await;

    assert_eq!(json.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_token_endpoint_shares_the_login_throttle_and_answers_429_in_its_shape() {
    let app = spawn_app_with(|s| s.throttle.login_max_failures = 5).await;
    app.register(EMAIL, PASSWORD).await;
    for _ in 0..5 {
        let failed = password_grant(&app, "wrong password, wrong password").await;
        assert_eq!(failed.status(), StatusCode::BAD_REQUEST);
    }

    let limited = password_grant(&app, PASSWORD).await;

    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_oauth_error(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // The JSON login counts the same failures.
    assert_eq!(
        app.login(EMAIL, PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_per_ip_rate_limit_covers_the_token_endpoint_in_its_shape() {
    let app = spawn_app_with(|s| s.throttle.ip_rate_limit = 2).await;
    app.register(EMAIL, PASSWORD).await; // one of the two

    let answers = [
        password_grant(&app, PASSWORD).await,
        password_grant(&app, PASSWORD).await,
    ];

    assert_eq!(answers[0].status(), StatusCode::OK);
    let [_, limited] = answers;
    assert!(limited.headers().contains_key("retry-after"));
    assert_oauth_error(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_session() {
    let app = signed_up_app().await;
    let tokens = app.logged_in(EMAIL, PASSWORD).await;

    let revoked = form(
        &app,
        "/oauth/revoke",
        &[
            ("token", tokens.refresh.as_str()),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;

    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(revoked.text().await.unwrap(), "");
    assert_eq!(
        app.refresh(&tokens.refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn revoking_an_access_token_ends_its_session_whatever_the_hint_says() {
    let app = signed_up_app().await;
    let tokens = app.logged_in(EMAIL, PASSWORD).await;

    let revoked = form(
        &app,
        "/oauth/revoke",
        &[
            ("token", tokens.access.as_str()),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;

    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        app.refresh(&tokens.refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Another session of the same user lives on.
    let other = app.logged_in(EMAIL, PASSWORD).await;
    assert_eq!(app.refresh(&other.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoking_an_unknown_or_revoked_token_is_200_and_a_missing_one_400() {
    let app = signed_up_app().await;
    let tokens = app.logged_in(EMAIL, PASSWORD).await;

    for token in ["garbage", tokens.refresh.as_str(), tokens.refresh.as_str()] {
        let answer = form(&app, "/oauth/revoke", &[("token", token)]).await;
        assert_eq!(answer.status(), StatusCode::OK, "{token}");
    }
    let missing = form(
        &app,
        "/oauth/revoke",
        &[("token_type_hint", "access_token")],
    )
    .await;
    assert_oauth_error(missing, StatusCode::BAD_REQUEST, "invalid_request").await;
    let unknown_client = form(
        &app,
        "/oauth/revoke",
        &[("token", "x"), ("client_id", "evil")],
    )
    .await;
    assert_oauth_error(unknown_client, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn the_server_metadata_names_the_endpoints_as_absolute_urls() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port);
    assert_eq!(body["issuer"], "authd");
    assert_eq!(body["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(body["revocation_endpoint"], format!("{base}/oauth/revoke"));
    assert_eq!(body["jwks_uri"], format!("{base}/.well-known/jwks.json"));
    assert_eq!(
        body["grant_types_supported"],
        serde_json::json!(["password", "refresh_token"])
    );
    assert_eq!(
        body["token_endpoint_auth_methods_supported"],
        serde_json::json!(["none"])
    );
    assert_eq!(body["response_types_supported"], serde_json::json!([]));
}

#[tokio::test]
async fn the_metadata_urls_follow_authd_public_url() {
    let app = spawn_app_with(|s| {
        s.public_url = Some("https://auth.example.com/base".into());
        s.tokens.issuer = "https://auth.example.com/base".into();
    })
    .await;

    let body: Value = app
        .client
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(body["issuer"], "https://auth.example.com/base");
    assert_eq!(
        body["token_endpoint"],
        "https://auth.example.com/base/oauth/token"
    );
}
