//! `authd keys list` and `authd keys prune`: who signs when, and prune's refusals.

use std::path::{Path, PathBuf};
use std::time::Duration;

use authd::keys::generate::{generate_key, KeyAlgorithm};
use serde_json::Value;

use super::authd;
use crate::helpers::{empty_keys_settings, openssl_private_key, openssl_public_key, OpensslKey};

fn kid_of(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    name.trim_end_matches(".pem").to_owned()
}

/// An older and a newer key, written now: the older signs, the newer is next.
fn two_generations(dir: &Path) -> (PathBuf, PathBuf) {
    let now = chrono::Utc::now();
    let older = generate_key(dir, KeyAlgorithm::Es256, now).unwrap();
    let newer = generate_key(dir, KeyAlgorithm::Eddsa, now + chrono::Duration::minutes(1)).unwrap();
    (older, newer)
}

/// Keys that qualify a second after they are written: rotation within a test.
const FAST_ROTATION: [(&str, &str); 2] = [("AUTHD_JWKS_MAX_AGE", "0"), ("AUTHD_KEYS_RELOAD", "1")];

#[test]
fn keys_list_names_the_signing_key_and_the_next_one_with_when() {
    let (_dir, settings) = empty_keys_settings();
    let (older, newer) = two_generations(&settings.keys.dir);
    let published = chrono::Utc::now().timestamp();

    let listed = authd(&settings, &[], &["keys", "list", "--json"], "");
    let table = authd(&settings, &[], &["keys", "list"], "");

    listed.success();
    let document: Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(document["signing"], kid_of(&older));
    assert_eq!(document["next"]["kid"], kid_of(&newer));
    let from = chrono::DateTime::parse_from_rfc3339(document["next"]["from"].as_str().unwrap())
        .unwrap()
        .timestamp();
    // Published now, it signs once published for AUTHD_JWKS_MAX_AGE + AUTHD_KEYS_RELOAD.
    assert!(
        (published + 330..=published + 332).contains(&from),
        "{from}"
    );
    let keys = document["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["alg"], "ES256");
    assert_eq!(keys[0]["kind"], "private");
    assert_eq!(keys[0]["status"], "signs_now");
    assert_eq!(keys[1]["alg"], "EdDSA");
    assert_eq!(keys[1]["status"], "signs_next");
    table.success();
    assert!(table.stdout.starts_with("KID"), "{}", table.stdout);
    assert!(table.line_with(&kid_of(&older)).contains("signs now"));
    assert!(table
        .line_with(&kid_of(&newer))
        .contains("signs next, from"));
}

#[test]
fn keys_list_shows_a_public_key_as_verifying_only() {
    let (_dir, settings) = empty_keys_settings();
    let elsewhere = tempfile::tempdir().unwrap();
    let partner = openssl_private_key(elsewhere.path(), "partner", OpensslKey::P256);
    openssl_public_key(&partner, &settings.keys.dir, "partner");
    generate_key(&settings.keys.dir, KeyAlgorithm::Es256, chrono::Utc::now()).unwrap();

    let listed = authd(&settings, &[], &["keys", "list"], "");

    let line = listed.success().line_with("partner");
    assert!(line.contains("public"), "{line}");
    assert!(line.contains("verifies only"), "{line}");
}

#[test]
fn keys_prune_refuses_the_signing_key_and_the_next_one() {
    let (_dir, settings) = empty_keys_settings();
    let (older, newer) = two_generations(&settings.keys.dir);

    let pruned = authd(&settings, &[], &["keys", "prune", "--older-than", "0"], "");

    pruned.success();
    assert!(pruned.line_with(&kid_of(&older)).contains("kept"));
    assert!(pruned
        .line_with(&kid_of(&older))
        .contains("the signing key"));
    assert!(pruned
        .line_with(&kid_of(&newer))
        .contains("signs next, from"));
    assert!(older.exists() && newer.exists());
}

#[test]
fn keys_prune_keeps_a_key_that_signed_within_the_token_lifetime() {
    let (_dir, settings) = empty_keys_settings();
    let (older, newer) = two_generations(&settings.keys.dir);
    // The newer key qualifies within two seconds, and the older stops signing.
    std::thread::sleep(Duration::from_millis(2_200));

    let pruned = authd(
        &settings,
        &FAST_ROTATION,
        &["keys", "prune", "--older-than", "0"],
        "",
    );

    pruned.success();
    let line = pruned.line_with(&kid_of(&older));
    assert!(
        line.contains("may verify live tokens: stopped signing"),
        "{line}"
    );
    assert!(line.contains("until"), "{line}");
    assert!(pruned
        .line_with(&kid_of(&newer))
        .contains("the signing key"));
    assert!(older.exists() && newer.exists());
}

#[test]
fn keys_prune_removes_a_retired_key_once_its_tokens_have_expired() {
    let (_dir, settings) = empty_keys_settings();
    let (older, newer) = two_generations(&settings.keys.dir);
    let twin = openssl_public_key(&older, &settings.keys.dir, &kid_of(&older));
    let elsewhere = tempfile::tempdir().unwrap();
    let partner = openssl_private_key(elsewhere.path(), "partner", OpensslKey::P256);
    let partner = openssl_public_key(&partner, &settings.keys.dir, "partner");
    let short_lives = [
        FAST_ROTATION[0],
        FAST_ROTATION[1],
        ("AUTHD_ACCESS_TTL", "1"),
        ("AUTHD_REFRESH_TTL", "1"),
        ("AUTHD_SESSION_TTL", "1"),
        ("AUTHD_LEEWAY", "0"),
    ];
    // Two seconds for the newer key to qualify, one for the older key's tokens to expire.
    std::thread::sleep(Duration::from_millis(3_300));
    let prune = |extra: &[&str]| {
        let args = [&["keys", "prune", "--older-than", "0"], extra].concat();
        authd(&settings, &short_lives, &args, "")
    };

    let dry = prune(&["--dry-run"]);
    assert!(older.exists(), "a dry run removes nothing");
    let pruned = prune(&[]);

    assert!(dry
        .success()
        .line_with(&kid_of(&older))
        .starts_with("would remove"));
    pruned.success();
    assert!(pruned
        .line_with(&format!("{}.pem", kid_of(&older)))
        .starts_with("removed"));
    assert!(pruned
        .line_with(&format!("{}.pub.pem", kid_of(&older)))
        .starts_with("removed"));
    assert!(pruned
        .line_with(&kid_of(&newer))
        .contains("the signing key"));
    assert!(pruned.line_with("partner").contains("a public key only"));
    assert!(!older.exists() && !twin.exists());
    assert!(newer.exists() && partner.exists());
    assert!(
        pruned.stderr.contains("removed 2 key file(s), kept 2"),
        "{}",
        pruned.stderr
    );
}

#[test]
fn keys_prune_leaves_keys_younger_than_asked_alone() {
    let (_dir, settings) = empty_keys_settings();
    let (older, _) = two_generations(&settings.keys.dir);

    let pruned = authd(
        &settings,
        &[],
        &["keys", "prune", "--older-than", "30d"],
        "",
    );

    assert!(pruned
        .success()
        .line_with(&kid_of(&older))
        .contains("not older than 30d"));
}

#[test]
fn keys_prune_names_a_bad_duration_in_one_line() {
    let (_dir, settings) = empty_keys_settings();
    two_generations(&settings.keys.dir);

    let pruned = authd(
        &settings,
        &[],
        &["keys", "prune", "--older-than", "soon"],
        "",
    );

    let line = pruned.refusal(2);
    assert!(line.contains("--older-than"), "{line}");
    assert!(line.contains("'soon' is not a duration"), "{line}");
}
