//! The signing schedule with time as a parameter: keys as secrets and public keys
//! published at chosen seconds.

use std::time::Duration;

use super::*;
use crate::keys::KeyFile;

const ROTATION: Rotation = Rotation {
    jwks_max_age: 300,
    reload: 30,
};

fn secret(kid: &str, published: u64) -> Key {
    let published = Duration::from_secs(published);
    Key::from_file(kid, &KeyFile::Secret, &[7; 32], published).unwrap()
}

/// A public-only key: a private one stripped of what signs.
fn public(kid: &str, published: u64) -> Key {
    crate::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let path = crate::keys::generate::generate_key(
        dir.path(),
        crate::keys::generate::KeyAlgorithm::Eddsa,
        chrono::Utc::now(),
    )
    .unwrap();
    let private = Key::from_file(
        kid,
        &KeyFile::Private,
        &std::fs::read(path).unwrap(),
        Duration::from_secs(published),
    )
    .unwrap();
    Key {
        encoding: None,
        secrets: None,
        ..private
    }
}

fn period(kid: &str, from: i64, until: Option<i64>) -> SigningPeriod {
    SigningPeriod {
        kid: kid.into(),
        from,
        until,
    }
}

#[test]
fn a_newer_key_is_next_from_when_it_qualifies() {
    let keys = [secret("k1", 1_000), secret("k2", 2_000)];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 2_100);

    assert_eq!(schedule.signing.as_deref(), Some("k1"));
    assert_eq!(schedule.next, Some(period("k2", 2_330, None)));
    assert_eq!(
        schedule.periods,
        [period("k1", 1_000, Some(2_330)), period("k2", 2_330, None)]
    );
}

#[test]
fn once_the_newest_key_signs_nothing_is_next() {
    let keys = [secret("k1", 1_000), secret("k2", 2_000)];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 2_330);

    assert_eq!(schedule.signing.as_deref(), Some("k2"));
    assert_eq!(schedule.next, None);
}

#[test]
fn a_lesser_kid_published_later_never_signs() {
    // k0 sorts first but came last: the greater, qualified k1 keeps signing.
    let keys = [secret("k0", 5_000), secret("k1", 1_000)];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 9_000);

    assert_eq!(schedule.periods, [period("k1", 1_000, None)]);
    assert_eq!(schedule.period_of("k0"), None);
}

#[test]
fn keys_published_together_hand_over_to_the_greater_kid_once_they_qualify() {
    let keys = [secret("k1", 1_000), secret("k2", 1_000)];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 1_000);

    assert_eq!(schedule.signing.as_deref(), Some("k1"));
    assert_eq!(schedule.next, Some(period("k2", 1_330, None)));
}

#[test]
fn three_generations_each_stop_when_the_next_qualifies() {
    let keys = [
        secret("k1", 1_000),
        secret("k2", 2_000),
        secret("k3", 3_000),
    ];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 2_500);

    assert_eq!(
        schedule.periods,
        [
            period("k1", 1_000, Some(2_330)),
            period("k2", 2_330, Some(3_330)),
            period("k3", 3_330, None),
        ]
    );
    assert_eq!(schedule.signing.as_deref(), Some("k2"));
    assert_eq!(schedule.next, Some(period("k3", 3_330, None)));
    assert_eq!(schedule.period_of("k1").unwrap().until, Some(2_330));
}

#[test]
fn public_keys_never_sign_and_a_folder_of_them_has_no_schedule() {
    let keys = [public("k1", 1_000), public("k2", 2_000)];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 9_000);

    assert!(schedule.periods.is_empty());
    assert_eq!(schedule.signing, None);
    assert_eq!(schedule.next, None);
}

#[test]
fn a_public_key_beside_a_signer_is_not_in_the_schedule() {
    let keys = [secret("k1", 1_000), public("k2", 2_000)];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 9_000);

    assert_eq!(schedule.periods, [period("k1", 1_000, None)]);
}

#[test]
fn a_clock_behind_every_file_still_names_the_key_that_signs() {
    let keys = [secret("k1", 1_000), secret("k2", 2_000)];

    let schedule = Schedule::of(&ROTATION, keys.iter(), 500);

    assert_eq!(schedule.signing.as_deref(), Some("k1"));
    assert_eq!(schedule.next, Some(period("k2", 2_330, None)));
}
