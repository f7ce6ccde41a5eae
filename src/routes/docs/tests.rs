//! The document cannot drift from the server: every registered route is in it and nothing
//! else, and each operation documents its failures with a body.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::Value;
use utoipa::OpenApi;

use super::ApiDoc;

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

#[test]
fn every_registered_route_is_documented_and_every_documented_one_registered() {
    let registered: BTreeSet<(String, String)> = crate::routes::routes()
        .into_iter()
        .map(|(path, method)| (path.to_owned(), method.as_str().to_ascii_lowercase()))
        .collect();
    let doc = document();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();

    assert_eq!(registered, documented);
    assert!(registered.contains(&(
        "/oauth/token".into(),
        Method::POST.as_str().to_ascii_lowercase()
    )));
}

#[test]
fn it_is_openapi_3_1_with_the_bearer_cookie_and_basic_schemes() {
    let doc = document();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["access_cookie"]["in"], "cookie");
    assert_eq!(schemes["access_cookie"]["name"], "__Host-authd_access");
    assert_eq!(schemes["refresh_cookie"]["name"], "__Host-authd_refresh");
    assert_eq!(schemes["client_basic"]["scheme"], "basic");
}

#[test]
fn every_failure_has_an_error_body_and_protected_routes_their_challenge() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let protected = op["security"]
                .as_array()
                .is_some_and(|ways| ways.iter().any(|way| way.get("bearer").is_some()));
            for (status, response) in op["responses"].as_object().unwrap() {
                let code: u16 = status.parse().unwrap();
                if code >= 400 {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    let schema = schema.as_str().unwrap_or_default();
                    assert!(
                        schema.ends_with("/ErrorBody") || schema.ends_with("/OAuthErrorBody"),
                        "{method} {path} {status}: no error body"
                    );
                }
                if code == 401 && protected {
                    assert!(
                        response["headers"]["WWW-Authenticate"].is_object(),
                        "{method} {path} 401 without WWW-Authenticate"
                    );
                }
                if code == 429 || code == 503 {
                    assert!(
                        response["headers"]["Retry-After"].is_object(),
                        "{method} {path} {status} without Retry-After"
                    );
                }
            }
        }
    }
}
