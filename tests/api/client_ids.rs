//! `client_id` (RFC 9068 §2.2) in every access token, so standard RFC 9068 validators accept
//! authd's tokens: the first of `AUTHD_CLIENT_IDS` for the JSON endpoints, required (and a
//! string) on verification, and what `AuthenticatedUser` reports.

use std::sync::Arc;

use actix_web::{web, FromRequest};
use authd::cli::Cli;
use authd::extractor::AuthenticatedUser;
use authd::tokens::AccessTokenVerifier;
use clap::Parser;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, jwt_part, spawn_app_with, tokens_from, TestApp};

/// An app whose token settings come from `--client-ids ids` through the real flag parser.
async fn app_with_client_ids(ids: &str) -> TestApp {
    let parsed = Cli::try_parse_from(["authd", "--client-ids", ids]).expect("--client-ids parses");
    spawn_app_with(|s| s.tokens = parsed.settings.tokens).await
}

/// Signs `claims` as an access token with the app's own (only) key.
fn sign_with_the_server_key(app: &TestApp, claims: &Value) -> String {
    let path = std::fs::read_dir(&app.settings.keys.dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "pem"))
        .expect("a private key");
    let kid = path.file_stem().unwrap().to_str().unwrap().to_owned();
    let key = jsonwebtoken::EncodingKey::from_ed_pem(&std::fs::read(&path).unwrap()).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(kid);
    header.typ = Some("at+jwt".into());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

#[tokio::test]
async fn access_tokens_name_the_first_configured_client() {
    let app = app_with_client_ids("web-app, cli").await;
    let login = app.signed_up("alice@example.com").await;

    let refreshed = app.refresh(&login.refresh).await;

    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed = tokens_from(refreshed.json().await.unwrap());
    for token in [&login.access, &refreshed.access] {
        assert_eq!(jwt_part(token, 1)["client_id"], "web-app");
    }
}

#[tokio::test]
async fn authenticated_user_reports_the_client_id() {
    let app = app_with_client_ids("web-app").await;
    let tokens = app.signed_up("alice@example.com").await;
    let verifier = AccessTokenVerifier::new(
        app.keys.clone(),
        "authd",
        "authd",
        30,
        Arc::new(app.clock.clone()),
    );
    let req = actix_web::test::TestRequest::get()
        .app_data(web::Data::new(verifier))
        .insert_header(("Authorization", format!("Bearer {}", tokens.access)))
        .to_http_request();

    let user = AuthenticatedUser::extract(&req).await.unwrap();

    assert_eq!(user.client_id(), "web-app");
}

#[tokio::test]
async fn a_token_without_a_client_id_or_with_one_of_another_type_is_refused() {
    let app = spawn_app_with(|_| {}).await;
    let genuine = jwt_part(&app.signed_up("alice@example.com").await.access, 1);
    // The control: the same claims, re-signed, pass.
    let resigned = sign_with_the_server_key(&app, &genuine);
    assert_eq!(
        app.get_with_token("/auth/me", &resigned).await.status(),
        StatusCode::OK
    );

    let mut without = genuine.clone();
    without.as_object_mut().unwrap().remove("client_id");
    let mut cases = vec![without];
    for wrong in [
        json!(7),
        json!(null),
        json!(["authd"]),
        json!({"id": "authd"}),
    ] {
        let mut claims = genuine.clone();
        claims["client_id"] = wrong;
        cases.push(claims);
    }
    for claims in cases {
        let token = sign_with_the_server_key(&app, &claims);
        let response = app.get_with_token("/auth/me", &token).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
}
