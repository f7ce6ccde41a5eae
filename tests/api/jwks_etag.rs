//! The JWKS's `ETag` and `If-None-Match` (RFC 9110 §8.8.3, §13.1.2): a verifier that
//! revalidates its cached copy gets a 304 with no body while the keys are unchanged.

use authd::keys::generate::{generate_key, KeyAlgorithm};
use reqwest::{Method, Response, StatusCode};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const JWKS: &str = "/.well-known/jwks.json";

async fn jwks_if_none_match(app: &TestApp, method: Method, tags: &[&str]) -> Response {
    let mut request = app.client.request(method, app.url(JWKS));
    for tag in tags {
        request = request.header("if-none-match", *tag);
    }
    request.send().await.expect("request")
}

async fn etag_of(app: &TestApp) -> String {
    let response = jwks_if_none_match(app, Method::GET, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.headers()["etag"].to_str().unwrap().to_owned()
}

async fn assert_not_modified(response: Response, etag: &str, max_age: u64) {
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"], etag);
    assert_eq!(
        response.headers()["cache-control"],
        format!("public, max-age={max_age}").as_str()
    );
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_jwks_carries_a_strong_etag_that_a_matching_if_none_match_turns_into_304() {
    let app = spawn_app_with(|s| s.keys.jwks_max_age = 60).await;
    let etag = etag_of(&app).await;
    assert!(
        etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'),
        "a strong entity-tag: {etag}"
    );

    let get = jwks_if_none_match(&app, Method::GET, &[&etag]).await;
    let head = jwks_if_none_match(&app, Method::HEAD, &[&etag]).await;

    assert_not_modified(get, &etag, 60).await;
    assert_not_modified(head, &etag, 60).await;
}

#[tokio::test]
async fn a_star_a_list_holding_the_tag_or_its_weak_form_is_304() {
    let app = spawn_app().await;
    let etag = etag_of(&app).await;

    let star = jwks_if_none_match(&app, Method::GET, &["*"]).await;
    let list = format!("\"other\", {etag}");
    let in_a_list = jwks_if_none_match(&app, Method::GET, &[&list]).await;
    let tight = format!("\"other\",{etag}");
    let without_spaces = jwks_if_none_match(&app, Method::GET, &[&tight]).await;
    let two_fields = jwks_if_none_match(&app, Method::GET, &["\"other\"", &etag]).await;
    // If-None-Match compares weakly (§13.1.2): W/"x" matches "x".
    let weak = format!("W/{etag}");
    let weak_form = jwks_if_none_match(&app, Method::GET, &[&weak]).await;

    for response in [star, in_a_list, without_spaces, two_fields, weak_form] {
        assert_not_modified(response, &etag, 300).await;
    }
}

#[tokio::test]
async fn another_tag_or_one_that_only_contains_it_gets_the_whole_jwks() {
    let app = spawn_app().await;
    let etag = etag_of(&app).await;
    let opaque = etag.trim_matches('"');
    // One entity-tag whose opaque part holds a comma and then this tag's characters: a
    // parser that splits on commas before reading quotes would see a match.
    let containing = format!("\"x,{opaque}\"");
    let unquoted = opaque.to_owned();

    for tags in [
        vec!["\"other\""],
        vec![containing.as_str()],
        vec![unquoted.as_str()],
        vec!["W/\"other\", \"more\""],
    ] {
        let response = jwks_if_none_match(&app, Method::GET, &tags).await;

        assert_eq!(response.status(), StatusCode::OK, "If-None-Match: {tags:?}");
        assert_eq!(response.headers()["etag"], etag.as_str());
        let jwks: jsonwebtoken::jwk::JwkSet = response.json().await.unwrap();
        assert_eq!(jwks.keys.len(), 1);
    }
}

#[tokio::test]
async fn the_etag_changes_with_the_keys_and_only_with_them() {
    let app = spawn_app().await;
    let before = etag_of(&app).await;
    app.keys.reload().unwrap();
    assert_eq!(etag_of(&app).await, before, "a reload of the same keys");
    let second = spawn_app_with(|s| s.keys.dir = app.settings.keys.dir.clone()).await;
    assert_eq!(
        etag_of(&second).await,
        before,
        "another instance, same keys"
    );

    generate_key(
        &app.settings.keys.dir,
        KeyAlgorithm::Es256,
        chrono::Utc::now(),
    )
    .unwrap();
    app.keys.reload().unwrap();

    let after = etag_of(&app).await;
    assert_ne!(after, before);
    let stale = jwks_if_none_match(&app, Method::GET, &[&before]).await;
    assert_eq!(stale.status(), StatusCode::OK);
    let jwks: jsonwebtoken::jwk::JwkSet = stale.json().await.unwrap();
    assert_eq!(jwks.keys.len(), 2);
}
