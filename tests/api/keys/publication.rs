//! No token is signed with a key that a verifier's cached JWKS may lack: a new key signs only
//! once it was published `AUTHD_JWKS_MAX_AGE` + `AUTHD_KEYS_RELOAD` ago, counted from the
//! later of its file's mtime and ctime, however the file got there.
//!
//! Each test watches as a verifier and a client would: at every second of the clock it
//! fetches the JWKS and logs in, and the first token carrying the new kid must come at least
//! the JWKS max-age after the first JWKS answer that held it.

use authd::clock::Clock;
use filetime::FileTime;

use super::published_kids;
use crate::helpers::{
    backdate, empty_keys_settings, jwt_part, openssl_private_key, spawn_app_in, OpensslKey,
    TestApp, PASSWORD,
};

const MAX_AGE: u64 = 4;
const RELOAD: u64 = 2;

/// An app whose only key, `k1`, was written just before it started (so it signs at once).
async fn app_with_a_first_key() -> TestApp {
    let (dir, mut settings) = empty_keys_settings();
    settings.keys.jwks_max_age = MAX_AGE;
    settings.keys.reload = RELOAD;
    openssl_private_key(&settings.keys.dir, "k1", OpensslKey::P256);
    let app = spawn_app_in(dir, settings).await;
    let first = app.signed_up("alice@example.com").await;
    assert_eq!(jwt_part(&first.access, 0)["kid"], "k1");
    app
}

/// Reloads the folder, then steps the clock a second at a time; returns the clock when a
/// JWKS answer first held `kid` and when a token first carried it.
async fn first_published_and_first_signed(app: &TestApp, kid: &str) -> (i64, i64) {
    app.keys.reload().unwrap();
    let mut published = None;
    for _ in 0..4 * (MAX_AGE + RELOAD) {
        let now = app.clock.now();
        if published.is_none() && published_kids(app).await.iter().any(|k| k == kid) {
            published = Some(now);
        }
        let tokens = app.logged_in("alice@example.com", PASSWORD).await;
        if jwt_part(&tokens.access, 0)["kid"] == kid {
            let published = published.unwrap_or_else(|| panic!("{kid} signed, never published"));
            return (published, now);
        }
        app.clock.advance(1);
    }
    panic!("{kid} never signed");
}

fn assert_signed_no_sooner_than_max_age_after_publication((published, signed): (i64, i64)) {
    let waited = signed - published;
    assert!(
        waited >= MAX_AGE as i64,
        "signed {waited} s after the first JWKS holding it, under the max-age of {MAX_AGE} s"
    );
}

#[tokio::test]
async fn a_fresh_key_waits_for_the_max_age_and_the_reload_before_it_signs() {
    let app = app_with_a_first_key().await;
    app.clock.advance((MAX_AGE + RELOAD + 1) as i64);
    let path = openssl_private_key(&app.settings.keys.dir, "k2", OpensslKey::P256);
    // The clock now runs ahead of the file system's: stamp the file with the clock's now,
    // as a file written at that moment would be.
    let now = FileTime::from_unix_time(app.clock.now(), 0);
    filetime::set_file_mtime(&path, now).unwrap();

    let (published, signed) = first_published_and_first_signed(&app, "k2").await;

    assert_signed_no_sooner_than_max_age_after_publication((published, signed));
    assert_eq!(signed - published, (MAX_AGE + RELOAD) as i64);
}

#[tokio::test]
async fn a_key_copied_with_its_old_mtime_counts_from_its_ctime() {
    let app = app_with_a_first_key().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let original = openssl_private_key(elsewhere.path(), "k2", OpensslKey::P256);
    backdate(&original, 3600);
    // What `cp -p` and `rsync -a` do: copy the bytes, then set the old mtime back.
    let copy = app.settings.keys.dir.join("k2.pem");
    std::fs::copy(&original, &copy).unwrap();
    let mtime = FileTime::from_last_modification_time(&std::fs::metadata(&original).unwrap());
    filetime::set_file_mtime(&copy, mtime).unwrap();

    let timing = first_published_and_first_signed(&app, "k2").await;

    assert_signed_no_sooner_than_max_age_after_publication(timing);
}

#[tokio::test]
async fn a_key_added_while_the_signing_key_is_young_waits_too() {
    let app = app_with_a_first_key().await;
    openssl_private_key(&app.settings.keys.dir, "k2", OpensslKey::P256);

    let timing = first_published_and_first_signed(&app, "k2").await;

    assert_signed_no_sooner_than_max_age_after_publication(timing);
}
