//! The `Authorization` header in every shape (RFC 6750 §2.1, §3; RFC 9110 §11): each case
//! carries the victim's genuine token, so only the shape decides. API.md: the scheme is
//! case-insensitive and may be followed by several spaces; no header or another scheme is a
//! plain challenge; anything else that is not a valid token adds `error="invalid_token"`.

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use serde_json::{json, Value};

use super::{expect_error, spawn_target, CHALLENGE_INVALID, CHALLENGE_PLAIN, VICTIM};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Accepted,
    /// 401 with the bare challenge: no credentials of this scheme were sent.
    Plain,
    /// 401 with `error="invalid_token"`.
    Invalid,
}

#[tokio::test]
async fn every_shape_of_authorization_header_gets_its_documented_answer() {
    use Expect::*;
    let target = spawn_target().await;
    let t = target.victim.access.clone();
    let too_long = format!("Bearer {t}{}", "A".repeat(9 * 1024));
    let cases: Vec<(&str, Vec<Vec<u8>>, Expect)> = vec![
        ("canonical", vec![format!("Bearer {t}").into()], Accepted),
        (
            "lower-case scheme",
            vec![format!("bearer {t}").into()],
            Accepted,
        ),
        (
            "upper-case scheme",
            vec![format!("BEARER {t}").into()],
            Accepted,
        ),
        (
            "mixed-case scheme",
            vec![format!("bEaReR {t}").into()],
            Accepted,
        ),
        (
            "several spaces",
            vec![format!("Bearer    {t}").into()],
            Accepted,
        ),
        ("no space", vec![format!("Bearer{t}").into()], Plain),
        (
            "Basic",
            vec![b"Basic dmljdGltQGV4YW1wbGUuY29tOnB3".to_vec()],
            Plain,
        ),
        (
            "Basic carrying the token",
            vec![format!("Basic {t}").into()],
            Plain,
        ),
        ("Token scheme", vec![format!("Token {t}").into()], Plain),
        ("empty value", vec![b"".to_vec()], Plain),
        ("Bearer alone", vec![b"Bearer".to_vec()], Invalid),
        ("Bearer and spaces", vec![b"Bearer    ".to_vec()], Invalid),
        (
            "two headers, both the token",
            vec![format!("Bearer {t}").into(), format!("Bearer {t}").into()],
            Invalid,
        ),
        (
            "two headers, Basic first",
            vec![b"Basic dTpw".to_vec(), format!("Bearer {t}").into()],
            Invalid,
        ),
        (
            "comma-joined credentials",
            vec![format!("Bearer {t}, Bearer {t}").into()],
            Invalid,
        ),
        (
            "quoted token",
            vec![format!("Bearer \"{t}\"").into()],
            Invalid,
        ),
        (
            "single-quoted token",
            vec![format!("Bearer '{t}'").into()],
            Invalid,
        ),
        (
            "auth-param form",
            vec![format!("Bearer token={t}").into()],
            Invalid,
        ),
        (
            "token then garbage",
            vec![format!("Bearer {t} x").into()],
            Invalid,
        ),
        ("token over 8 KiB", vec![too_long.into()], Invalid),
        (
            "non-ASCII bytes",
            vec![b"Bearer \xff\xfe\xfd".to_vec()],
            Invalid,
        ),
        (
            "UTF-8 token",
            vec!["Bearer tökén.ünï.cödé".as_bytes().to_vec()],
            Invalid,
        ),
        (
            "token with Latin-1 byte",
            vec![[format!("Bearer {t}").as_bytes(), b"\xe9"].concat()],
            Invalid,
        ),
        ("padding only", vec![b"Bearer ===".to_vec()], Invalid),
    ];
    for (name, values, expect) in cases {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(AUTHORIZATION, HeaderValue::from_bytes(&value).unwrap());
        }
        for path in ["/auth/me", "/admin/users"] {
            let response = target
                .app
                .client
                .get(target.app.url(path))
                .headers(headers.clone())
                .send()
                .await
                .unwrap();
            let case = format!("{name}: GET {path}");
            match (expect, path) {
                (Accepted, "/auth/me") => {
                    assert_eq!(response.status(), 200, "{case}");
                    let body: Value = response.json().await.unwrap();
                    assert_eq!(body["email"], VICTIM, "{case}");
                }
                (Accepted, _) => {
                    let challenge = "Bearer realm=\"authd\", error=\"insufficient_scope\"";
                    expect_error(response, 403, "insufficient_scope", Some(challenge), &case).await;
                }
                (Plain, _) => {
                    expect_error(response, 401, "invalid_token", Some(CHALLENGE_PLAIN), &case)
                        .await;
                }
                (Invalid, _) => {
                    expect_error(
                        response,
                        401,
                        "invalid_token",
                        Some(CHALLENGE_INVALID),
                        &case,
                    )
                    .await;
                }
            }
        }
    }
    target.assert_unharmed().await;
}

/// RFC 7235 separates scheme and credentials with spaces only; a tab there makes a Bearer
/// header malformed, not "another scheme" (the extractor's own unit test files
/// `Bearer\tabc` under malformed values), so API.md's answer is `error="invalid_token"`.
#[tokio::test]
async fn a_tab_after_the_bearer_scheme_is_a_malformed_token() {
    let target = spawn_target().await;
    let t = &target.victim.access;
    for value in [
        format!("Bearer\t{t}"),
        format!("bearer\t{t}"),
        format!("Bearer \t{t}"),
    ] {
        let response = target
            .app
            .client
            .get(target.app.url("/auth/me"))
            .header("authorization", &value)
            .send()
            .await
            .unwrap();
        let case = format!("{:?}", &value[..8]);
        expect_error(
            response,
            401,
            "invalid_token",
            Some(CHALLENGE_INVALID),
            &case,
        )
        .await;
    }
    target.assert_unharmed().await;
}

#[tokio::test]
async fn a_token_anywhere_but_the_authorization_header_is_ignored() {
    let target = spawn_target().await;
    let app = &target.app;
    let t = &target.victim.access;
    let in_query = app
        .client
        .get(app.url(&format!("/auth/me?access_token={t}")))
        .send()
        .await
        .unwrap();
    expect_error(
        in_query,
        401,
        "invalid_token",
        Some(CHALLENGE_PLAIN),
        "token in the query",
    )
    .await;
    let in_body = app
        .client
        .post(app.url("/auth/logout-all"))
        .json(&json!({"access_token": t}))
        .send()
        .await
        .unwrap();
    expect_error(
        in_body,
        401,
        "invalid_token",
        Some(CHALLENGE_PLAIN),
        "token in the body",
    )
    .await;
    let in_form = app
        .client
        .post(app.url("/auth/logout-all"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("access_token={t}"))
        .send()
        .await
        .unwrap();
    expect_error(
        in_form,
        401,
        "invalid_token",
        Some(CHALLENGE_PLAIN),
        "token in a form",
    )
    .await;
    let in_cookie = app
        .client
        .get(app.url("/auth/me"))
        .header("cookie", format!("__Host-authd_access={t}"))
        .send()
        .await
        .unwrap();
    expect_error(
        in_cookie,
        401,
        "invalid_token",
        Some(CHALLENGE_PLAIN),
        "cookie with AUTHD_COOKIES off",
    )
    .await;
    target.assert_unharmed().await;
}

#[tokio::test]
async fn an_authorization_header_over_16_kib_is_431() {
    let target = spawn_target().await;
    let value = format!("Bearer {}", "A".repeat(17 * 1024));
    let response = target
        .app
        .get_with_token("/auth/me", value.trim_start_matches("Bearer "))
        .await;
    expect_error(
        response,
        431,
        "headers_too_large",
        None,
        "17 KiB Authorization",
    )
    .await;
    target.assert_unharmed().await;
}
