//! `authd users list`, `set-roles` and `delete`, beside a server on the same database:
//! refresh re-reads the user, so new roles reach the next refresh and a deleted user's
//! refresh fails; a deleted user's access tokens are ended by a revocation fact.

use reqwest::StatusCode;
use serde_json::Value;

use super::authd;
use crate::helpers::{assert_error, jwt_part, spawn_app, test_settings, tokens_from, PASSWORD};

fn add(settings: &authd::settings::Settings, email: &str, roles: &[&str]) -> String {
    let mut args = vec!["users", "add", email];
    for role in roles {
        args.extend(["--role", role]);
    }
    let added = authd(settings, &[], &args, &format!("{PASSWORD}\n"));
    added.success().stdout.trim().to_owned()
}

#[test]
fn users_list_shows_each_user_oldest_first_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(dir.path());
    let alice = add(&settings, "alice@example.com", &["admin", "ops"]);
    let bob = add(&settings, "bob@example.com", &[]);

    let table = authd(&settings, &[], &["users", "list"], "");
    let page = authd(
        &settings,
        &[],
        &["users", "list", "--json", "--limit", "1", "--offset", "1"],
        "",
    );

    let rows: Vec<&str> = table.success().stdout.lines().collect();
    assert_eq!(rows.len(), 3, "{}", table.stdout);
    assert!(
        rows[0].starts_with("ID") && rows[0].contains("EMAIL  "),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].starts_with(&alice) && rows[1].contains("admin,ops"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].starts_with(&bob) && rows[2].contains(" - "),
        "{}",
        rows[2]
    );
    let page: Value = serde_json::from_str(&page.success().stdout).unwrap();
    assert_eq!(page["total"], 2);
    let users = page["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["id"], bob);
    assert_eq!(users[0]["email"], "bob@example.com");
    assert_eq!(users[0]["roles"], serde_json::json!([]));
    assert!(users[0]["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn set_roles_replaces_the_roles_and_the_next_refresh_carries_them() {
    let app = spawn_app().await;
    let tokens = app.signed_up("alice@example.com").await;

    let granted = authd(
        &app.settings,
        &[],
        &["users", "set-roles", "alice@example.com", "ops", "admin"],
        "",
    );
    let refreshed = tokens_from(app.refresh(&tokens.refresh).await.json().await.unwrap());
    let emptied = authd(
        &app.settings,
        &[],
        &["users", "set-roles", "alice@example.com", "--none"],
        "",
    );
    let again = tokens_from(app.refresh(&refreshed.refresh).await.json().await.unwrap());

    assert_eq!(
        granted.success().stdout.trim(),
        "alice@example.com\tops,admin"
    );
    assert_eq!(
        jwt_part(&refreshed.access, 1)["roles"],
        serde_json::json!(["ops", "admin"])
    );
    assert_eq!(emptied.success().stdout.trim(), "alice@example.com\t-");
    assert_eq!(jwt_part(&again.access, 1)["roles"], serde_json::json!([]));
    // Stateless: the token issued before keeps the roles it was issued with.
    assert_eq!(
        jwt_part(&refreshed.access, 1)["roles"],
        serde_json::json!(["ops", "admin"])
    );
    let me = app.get_with_token("/auth/me", &refreshed.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert!(
        granted.stderr.contains("until they expire"),
        "{}",
        granted.stderr
    );
}

#[tokio::test]
async fn set_roles_refuses_a_bad_role_an_unknown_user_and_no_roles_at_all() {
    let app = spawn_app().await;
    app.signed_up("alice@example.com").await;
    let set_roles = |args: &[&str]| {
        authd(
            &app.settings,
            &[],
            &[&["users", "set-roles"], args].concat(),
            "",
        )
    };

    let bad_role = set_roles(&["alice@example.com", "Admin"]);
    let unknown = set_roles(&["bob@example.com", "admin"]);
    let nothing = set_roles(&["alice@example.com"]);
    let both = set_roles(&["alice@example.com", "admin", "--none"]);

    assert!(bad_role.refusal(1).contains("invalid role 'Admin'"));
    assert!(unknown
        .refusal(1)
        .contains("no user with email bob@example.com"));
    assert!(nothing.refusal(2).contains("<ROLES>"), "{}", nothing.stderr);
    assert!(both.refusal(2).contains("--none"), "{}", both.stderr);
    let users = app.user_store().await;
    let alice = users.list(10, 0).await.unwrap().0;
    assert!(alice[0].roles.is_empty(), "nothing was changed");
}

#[tokio::test]
async fn a_deleted_users_refresh_gets_401_and_their_access_token_is_refused_within_a_second() {
    let app = spawn_app().await;
    let alice = app.signed_up("alice@example.com").await;
    let bob = app.signed_up("bob@example.com").await;

    let deleted = authd(
        &app.settings,
        &[],
        &["users", "delete", "alice@example.com"],
        "",
    );

    assert_eq!(
        deleted.success().stdout.trim(),
        jwt_part(&alice.access, 1)["sub"]
    );
    assert!(deleted
        .stderr
        .contains("their access tokens stop working on every running instance"));
    assert_error(
        app.refresh(&alice.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_grant",
    )
    .await;
    // The CLI recorded the fact in the database; the server reads it within its poll.
    let started = std::time::Instant::now();
    while app.get_with_token("/auth/me", &alice.access).await.status() == StatusCode::OK {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "still accepted after 1 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let me = app.get_with_token("/auth/me", &alice.access).await;
    assert_error(me, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(
        app.get_with_token("/auth/me", &bob.access).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.refresh(&bob.refresh).await.status(), StatusCode::OK);
    let login = app.login("alice@example.com", PASSWORD).await;
    assert_error(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn deleting_an_unknown_user_says_so_in_one_line() {
    let app = spawn_app().await;

    let deleted = authd(
        &app.settings,
        &[],
        &["users", "delete", "nobody@example.com"],
        "",
    );

    assert_eq!(
        deleted.refusal(1),
        "authd: no user with email nobody@example.com"
    );
}
