//! `authd token inspect`: decodes, verifies against the local keys and settings, and says
//! exactly why a token is rejected (exit 1), never printing the token or its signature.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use super::{authd, Run};
use crate::helpers::{spawn_app, TestApp, Tokens};

fn inspect(app: &TestApp, env: &[(&str, &str)], token: &str, extra: &[&str]) -> Run {
    let args = [&["token", "inspect", "-"], extra].concat();
    authd(&app.settings, env, &args, token)
}

/// The header and claims inspect printed, parsed back.
fn printed(run: &Run, what: &str) -> Value {
    let start = run.stdout.find(&format!("{what} {{")).expect(what) + what.len() + 1;
    let end = start + run.stdout[start..].find("\n}").expect("end of the object") + 2;
    serde_json::from_str(&run.stdout[start..end]).expect("JSON")
}

fn assert_never_echoes(run: &Run, token: &str) {
    let signature = token.rsplit('.').next().unwrap();
    for output in [&run.stdout, &run.stderr] {
        assert!(!output.contains(token), "the token was printed back");
        assert!(!output.contains(signature), "the signature was printed");
    }
}

async fn alice(app: &TestApp) -> Tokens {
    app.signed_up("alice@example.com").await
}

#[tokio::test]
async fn a_valid_access_token_is_decoded_and_verified() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;

    let run = inspect(&app, &[], &format!("{}\n", tokens.access), &[]);

    run.success();
    assert_eq!(printed(&run, "header")["typ"], "at+jwt");
    assert_eq!(printed(&run, "claims")["email"], "alice@example.com");
    assert!(run.line_with("exp ").contains("(in 1"), "{}", run.stdout);
    assert!(run
        .line_with("valid access token")
        .contains("alice@example.com"));
    assert_never_echoes(&run, &tokens.access);
}

#[tokio::test]
async fn a_refresh_token_is_checked_as_one_by_its_typ() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;

    let run = authd(
        &app.settings,
        &[],
        &["token", "inspect", &tokens.refresh],
        "",
    );

    run.success();
    assert!(run.line_with("valid refresh token").contains("not checked"));
    assert_never_echoes(&run, &tokens.refresh);
}

#[tokio::test]
async fn an_expired_token_says_when_it_expired_and_how_long_ago() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    app.clock.set(now - 7_200);
    let tokens = alice(&app).await;
    let exp = now - 7_200 + 900;

    let run = inspect(&app, &[], &tokens.access, &[]);

    let reason = run.refusal(1);
    let expected = format!(
        "authd: token rejected: expired at {} (1h 45m ago; leeway 30 s)",
        chrono::DateTime::from_timestamp(exp, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
    );
    assert_eq!(reason, expected);
}

#[tokio::test]
async fn another_audience_setting_rejects_the_token_naming_both() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;

    let run = inspect(&app, &[("AUTHD_AUDIENCE", "billing")], &tokens.access, &[]);

    assert_eq!(
        run.refusal(1),
        "authd: token rejected: wrong audience: got \"authd\", expected \"billing\" (AUTHD_AUDIENCE)"
    );
}

#[tokio::test]
async fn a_refresh_token_where_an_access_token_is_expected_is_named_as_such() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;

    let run = inspect(&app, &[], &tokens.refresh, &["--as", "access"]);

    assert_eq!(
        run.refusal(1),
        "authd: token rejected: wrong type: a refresh token (typ rt+jwt) where an access token \
         (typ at+jwt) is expected"
    );
}

#[tokio::test]
async fn an_unknown_kid_lists_the_kids_the_folder_has() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;
    let other = tempfile::tempdir().unwrap();
    let key = authd::keys::generate::generate_key(
        other.path(),
        authd::keys::generate::KeyAlgorithm::Es256,
        chrono::Utc::now(),
    )
    .unwrap();
    let other_kid = key.file_stem().unwrap().to_str().unwrap();
    let kid = crate::helpers::jwt_part(&tokens.access, 0)["kid"]
        .as_str()
        .unwrap()
        .to_owned();

    let run = inspect(
        &app,
        &[("AUTHD_KEYS_DIR", other.path().to_str().unwrap())],
        &tokens.access,
        &[],
    );

    assert_eq!(
        run.refusal(1),
        format!("authd: token rejected: unknown kid \"{kid}\" (the keys folder has: {other_kid})")
    );
}

#[tokio::test]
async fn a_tampered_signature_is_a_bad_signature() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;
    let (signed, signature) = tokens.access.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[0] ^= 1;
    let tampered = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes));

    let run = inspect(&app, &[], &tampered, &[]);

    assert!(run
        .refusal(1)
        .starts_with("authd: token rejected: bad signature"));
    assert_never_echoes(&run, &tampered);
}

#[tokio::test]
async fn a_malformed_or_oversized_token_is_rejected_naming_what_is_wrong() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;
    let (header, _) = tokens.access.split_once('.').unwrap();

    let two = inspect(&app, &[], "abc.def", &[]);
    let empty_payload = inspect(&app, &[], &format!("{header}..c2ln"), &[]);
    let long = inspect(&app, &[], &"a".repeat(9_000), &[]);

    assert_eq!(
        two.refusal(1),
        "authd: token rejected: malformed: 2 segment(s), a JWS has 3 (header.payload.signature)"
    );
    assert_eq!(
        empty_payload.refusal(1),
        "authd: token rejected: malformed: the payload segment is empty"
    );
    assert_eq!(
        long.refusal(1),
        "authd: token rejected: too long: 9000 bytes, the limit is 8192"
    );
}

#[tokio::test]
async fn a_missing_keys_folder_is_no_verdict_but_exit_2() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;

    let run = inspect(
        &app,
        &[("AUTHD_KEYS_DIR", "/nonexistent/keys")],
        &tokens.access,
        &[],
    );

    assert!(run.refusal(2).contains("AUTHD_KEYS_DIR"));
}

#[tokio::test]
async fn a_logged_out_sessions_access_token_is_named_revoked() {
    let app = spawn_app().await;
    let tokens = alice(&app).await;
    let logout = app.logout(&tokens.refresh).await;
    assert_eq!(logout.status(), reqwest::StatusCode::NO_CONTENT);

    let run = inspect(&app, &[], &format!("{}\n", tokens.access), &[]);

    let reason = run.refusal(1);
    assert!(reason.contains("token rejected: revoked"), "{reason}");
    assert_never_echoes(&run, &tokens.access);
}
