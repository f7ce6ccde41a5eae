//! Key rotation: a new key is published before it signs, old tokens stay valid, and a
//! broken folder leaves the keys in use. `binary` drives the real `authd` binary.

mod binary;
mod publication;

use std::path::Path;
use std::sync::Arc;

use authd::keys::generate::{generate_key, KeyAlgorithm};
use authd::keys::KeyStore;
use authd::tokens::AccessTokenVerifier;
use reqwest::StatusCode;

use crate::helpers::{
    backdate, empty_keys_settings, jwt_part, openssl_private_key, openssl_public_key, spawn_app_in,
    OpensslKey, PASSWORD,
};

pub(super) fn kid_of(path: &Path) -> String {
    path.file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(".pem")
        .to_owned()
}

pub(super) async fn published_kids(app: &crate::helpers::TestApp) -> Vec<String> {
    let mut kids: Vec<String> = app
        .jwks()
        .await
        .keys
        .into_iter()
        .filter_map(|k| k.common.key_id)
        .collect();
    kids.sort();
    kids
}

#[tokio::test]
async fn a_new_key_is_published_before_it_signs_and_old_tokens_stay_valid() {
    let (dir, settings) = empty_keys_settings();
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let old_key = generate_key(&settings.keys.dir, KeyAlgorithm::Eddsa, hour_ago).unwrap();
    let old_kid = kid_of(&old_key);
    let wait = i64::try_from(settings.keys.jwks_max_age + settings.keys.reload).unwrap();
    let app = spawn_app_in(dir, settings).await;
    let before = app.signed_up("alice@example.com").await;
    assert_eq!(jwt_part(&before.access, 0)["kid"], old_kid);

    let new_key = generate_key(
        &app.settings.keys.dir,
        KeyAlgorithm::Es256,
        chrono::Utc::now(),
    )
    .unwrap();
    let new_kid = kid_of(&new_key);
    assert!(new_kid > old_kid);
    app.keys.reload().unwrap();

    // Published at once, but not yet signing.
    assert_eq!(
        published_kids(&app).await,
        [old_kid.clone(), new_kid.clone()]
    );
    let during = app.logged_in("alice@example.com", PASSWORD).await;
    assert_eq!(jwt_part(&during.access, 0)["kid"], old_kid);
    assert_eq!(jwt_part(&during.refresh, 0)["kid"], old_kid);

    // Once every instance has re-read the folder and every cache has had it for the
    // max-age, it signs.
    app.clock.advance(wait + 5);
    let after = app.logged_in("alice@example.com", PASSWORD).await;
    assert_eq!(jwt_part(&after.access, 0)["kid"], new_kid);
    assert_eq!(jwt_part(&after.access, 0)["alg"], "ES256");
    assert_eq!(jwt_part(&after.refresh, 0)["kid"], new_kid);

    // Tokens of the old key still verify and still refresh.
    let me = app.get_with_token("/auth/me", &during.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    let rotated = app.refresh(&during.refresh).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated = crate::helpers::tokens_from(rotated.json().await.unwrap());
    assert_eq!(jwt_part(&rotated.refresh, 0)["kid"], new_kid);
}

#[tokio::test]
async fn on_first_start_the_key_published_first_signs_at_once() {
    let (dir, settings) = empty_keys_settings();
    let now = chrono::Utc::now();
    let first = generate_key(&settings.keys.dir, KeyAlgorithm::Eddsa, now).unwrap();
    generate_key(&settings.keys.dir, KeyAlgorithm::Rs256, now).unwrap();
    let app = spawn_app_in(dir, settings).await;

    let tokens = app.signed_up("alice@example.com").await;

    assert_eq!(jwt_part(&tokens.access, 0)["kid"], kid_of(&first));
}

#[tokio::test]
async fn a_removed_key_stops_verifying_after_a_reload() {
    let (dir, settings) = empty_keys_settings();
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let old_key = generate_key(&settings.keys.dir, KeyAlgorithm::Eddsa, hour_ago).unwrap();
    backdate(&old_key, 3600);
    let app = spawn_app_in(dir, settings).await;
    let tokens = app.signed_up("alice@example.com").await;
    generate_key(
        &app.settings.keys.dir,
        KeyAlgorithm::Eddsa,
        chrono::Utc::now(),
    )
    .unwrap();

    std::fs::remove_file(&old_key).unwrap();
    app.keys.reload().unwrap();

    let me = app.get_with_token("/auth/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.refresh(&tokens.refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_broken_key_file_leaves_the_keys_in_use_as_they_were() {
    let (dir, settings) = empty_keys_settings();
    generate_key(&settings.keys.dir, KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
    let app = spawn_app_in(dir, settings).await;
    let kids = published_kids(&app).await;
    let tokens = app.signed_up("alice@example.com").await;

    std::fs::write(app.settings.keys.dir.join("zzz-broken.pem"), "not a key").unwrap();

    assert!(app.keys.reload().is_err());
    assert_eq!(published_kids(&app).await, kids);
    let me = app.get_with_token("/auth/me", &tokens.access).await;
    assert_eq!(me.status(), StatusCode::OK);
    app.logged_in("alice@example.com", PASSWORD).await;
}

#[tokio::test]
async fn the_folder_is_re_read_every_authd_keys_reload_seconds() {
    let app = crate::helpers::spawn_app_with(|s| s.keys.reload = 1).await;
    let new_key = generate_key(
        &app.settings.keys.dir,
        KeyAlgorithm::Es256,
        chrono::Utc::now(),
    )
    .unwrap();
    let new_kid = kid_of(&new_key);

    // Well under the 30 s default, with room for a loaded machine.
    let mut published = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        published = published_kids(&app).await.contains(&new_kid);
        if published {
            break;
        }
    }

    assert!(published, "{new_kid} not published within 5 s");
}

#[tokio::test]
async fn a_verifier_opens_a_folder_of_public_keys_only() {
    let (dir, settings) = empty_keys_settings();
    let private = openssl_private_key(&settings.keys.dir, "k1", OpensslKey::P256);
    let app = spawn_app_in(dir, settings).await;
    let tokens = app.signed_up("alice@example.com").await;
    let public = tempfile::tempdir().unwrap();
    openssl_public_key(&private, public.path(), "k1");

    let keys = KeyStore::open(public.path(), 300).expect("a verifier needs no private key");

    assert!(!keys.current().can_sign());
    let verifier = AccessTokenVerifier::new(keys, "authd", "authd", 30, Arc::new(app.clock));
    let claims = verifier
        .verify(&tokens.access)
        .expect("the access token verifies");
    assert_eq!(claims.email, "alice@example.com");
}
