//! Device tokens with time as a parameter: each one is bound to its owner's generation
//! and ends after its lifetime.

use super::*;
use crate::keys::generate::{generate_key, KeyAlgorithm};
use crate::keys::KeyStore;

const NOW: i64 = 1_800_000_000;
const TTL: i64 = 7_776_000;

fn keys() -> (tempfile::TempDir, KeyStore) {
    crate::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    generate_key(dir.path(), KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
    let store = KeyStore::open(dir.path(), 300).unwrap();
    (dir, store)
}

fn owner(generation: i64) -> DeviceOwner {
    DeviceOwner {
        user: Uuid::from_u128(7),
        generation,
    }
}

#[test]
fn a_device_token_names_its_device_until_its_lifetime_ends() {
    let (_dir, keys) = keys();
    let ring = keys.current();
    let id = DeviceId::random();
    let issued = issue_device_token(&ring, owner(3), id, NOW, TTL).unwrap();
    assert_eq!(issued.expires_in, TTL);
    let verify = |now| verify_device_token(&ring, owner(3), &issued.token, now, TTL);
    assert_eq!(verify(NOW), Some(id));
    assert_eq!(verify(NOW + TTL - 1), Some(id));
    assert_eq!(verify(NOW + TTL), None);
    // A shorter AUTHD_DEVICE_TTL applies to the tokens already out.
    assert_eq!(
        verify_device_token(&ring, owner(3), &issued.token, NOW + 10, 10),
        None
    );
}

#[test]
fn a_device_token_is_not_one_for_another_generation_or_user() {
    let (_dir, keys) = keys();
    let ring = keys.current();
    let token = issue_device_token(&ring, owner(3), DeviceId::random(), NOW, TTL)
        .unwrap()
        .token;
    assert_eq!(verify_device_token(&ring, owner(4), &token, NOW, TTL), None);
    let other = DeviceOwner {
        user: Uuid::from_u128(8),
        generation: 3,
    };
    assert_eq!(verify_device_token(&ring, other, &token, NOW, TTL), None);
}

#[test]
fn a_changed_issue_time_or_a_malformed_token_is_no_device_token() {
    let (_dir, keys) = keys();
    let ring = keys.current();
    let token = issue_device_token(&ring, owner(0), DeviceId::random(), NOW, TTL)
        .unwrap()
        .token;
    let later = token.replace(&format!(".{NOW}."), &format!(".{}.", NOW + TTL));
    assert_ne!(later, token);
    let (without_time, tag) = token.rsplit_once('.').unwrap();
    let (kid_and_id, _) = without_time.rsplit_once('.').unwrap();
    for bad in [
        later,
        format!("{kid_and_id}.{tag}"), // the format before issue times
        format!("{kid_and_id}.+{NOW}.{tag}"),
        format!("{kid_and_id}..{tag}"),
        token.replacen('.', ".x", 1),
        "kid.AAAA.BBBB".to_owned(),
        String::new(),
        "x".repeat(600),
    ] {
        assert_eq!(
            verify_device_token(&ring, owner(0), &bad, NOW, TTL),
            None,
            "{bad}"
        );
    }
}

#[test]
fn device_tokens_print_redacted() {
    let (_dir, keys) = keys();
    let issued =
        issue_device_token(&keys.current(), owner(0), DeviceId::random(), NOW, TTL).unwrap();
    assert!(!format!("{issued:?}").contains(&issued.token));
    assert_eq!(
        format!("{issued:?}"),
        format!("DeviceToken {{ token: \"[redacted]\", expires_in: {TTL} }}")
    );
}

#[test]
fn a_device_token_of_512_bytes_verifies_and_one_of_513_is_refused() {
    let (_dir, keys) = keys();
    let ring = keys.current();
    let issued = issue_device_token(&ring, owner(0), DeviceId::random(), NOW, TTL).unwrap();
    // Leading zeros keep the issue time, so the MAC stays right at any length.
    let (rest, tag) = issued.token.rsplit_once('.').unwrap();
    let (head, issued_at) = rest.rsplit_once('.').unwrap();
    let of_len = |len: usize| {
        let zeros = "0".repeat(len - issued.token.len());
        format!("{head}.{zeros}{issued_at}.{tag}")
    };
    let (at_the_cap, over_the_cap) = (of_len(512), of_len(513));
    assert_eq!((at_the_cap.len(), over_the_cap.len()), (512, 513));
    assert!(verify_device_token(&ring, owner(0), &at_the_cap, NOW, TTL).is_some());
    assert_eq!(
        verify_device_token(&ring, owner(0), &over_the_cap, NOW, TTL),
        None
    );
}
