//! Prune's verdicts with time as a parameter: three generations of keys a hundred days
//! apart, tokens that live thirty days.

use std::time::Duration;

use super::*;
use crate::keys::{Key, Rotation};

const DAY: i64 = 86_400;
const T: i64 = 1_800_000_000;
const ROTATION: Rotation = Rotation {
    jwks_max_age: 300,
    reload: 30,
};
const WAIT: i64 = 330;
const LIFETIME: i64 = 30 * DAY + 30;
const RULES: RetentionRules = RetentionRules {
    older_than: DAY,
    token_lifetime: LIFETIME,
    publication_wait: WAIT,
};

fn secret(kid: &str, published: i64) -> Key {
    let published = Duration::from_secs(u64::try_from(published).unwrap());
    Key::from_file(kid, &KeyFile::Secret, &[7; 32], published).unwrap()
}

fn file(name: &str, kind: KeyFile, published_at: i64) -> KeyFileEntry {
    let kid = name.split('.').next().unwrap().to_owned();
    KeyFileEntry {
        path: PathBuf::from(name),
        kid,
        kind,
        published_at,
    }
}

/// k1, k2 and k3 published at T, T + 100 days and T + 200 days, with their files.
fn generations() -> (Vec<Key>, Vec<KeyFileEntry>) {
    let times = [("k1", T), ("k2", T + 100 * DAY), ("k3", T + 200 * DAY)];
    let keys = times.iter().map(|(kid, at)| secret(kid, *at)).collect();
    let files = times
        .iter()
        .map(|(kid, at)| file(&format!("{kid}.pem"), KeyFile::Private, *at))
        .collect();
    (keys, files)
}

fn verdicts(
    keys: &[Key],
    files: &[KeyFileEntry],
    rules: &RetentionRules,
    now: i64,
) -> Vec<Verdict> {
    let schedule = Schedule::of(&ROTATION, keys.iter(), now);
    plan(files, &schedule, rules, now)
        .into_iter()
        .map(|verdict| verdict.verdict)
        .collect()
}

#[test]
fn the_signing_key_stays_and_a_retired_one_goes_once_its_tokens_have_expired() {
    let (keys, files) = generations();
    let now = T + 200 * DAY + 100;

    let verdicts = verdicts(&keys, &files, &RULES, now);

    assert_eq!(
        verdicts,
        [
            Verdict::Remove,
            Verdict::Keep(KeepReason::SignsNow),
            Verdict::Recent {
                published_at: T + 200 * DAY
            },
        ]
    );
}

#[test]
fn the_key_that_signs_next_stays_however_old() {
    let (keys, files) = generations();
    let now = T + 200 * DAY + 100;
    let any_age = RetentionRules {
        older_than: 0,
        ..RULES
    };

    let verdicts = verdicts(&keys, &files, &any_age, now);

    assert_eq!(
        verdicts[2],
        Verdict::Keep(KeepReason::SignsNext {
            from: T + 200 * DAY + WAIT
        })
    );
}

#[test]
fn a_key_that_stopped_signing_stays_until_its_last_token_can_have_expired() {
    let (keys, files) = generations();
    let stopped = T + 100 * DAY + WAIT;
    let until = stopped + LIFETIME;

    let before = verdicts(&keys, &files, &RULES, until - 1);
    let at = verdicts(&keys, &files, &RULES, until);

    assert_eq!(
        before[0],
        Verdict::Keep(KeepReason::MayVerifyLiveTokens {
            stopped_signing: Some(stopped),
            until
        })
    );
    assert_eq!(at[0], Verdict::Remove);
}

#[test]
fn a_key_that_never_signed_stays_as_long_as_it_could_have_signed_tokens() {
    // k0 sorts first but came later: the files say it never signed, yet a chmod may have
    // moved its times forward from when it did.
    let keys = [secret("k0", T + 10 * DAY), secret("k1", T)];
    let files = [
        file("k0.pem", KeyFile::Private, T + 10 * DAY),
        file("k1.pem", KeyFile::Private, T),
    ];
    let until = T + 10 * DAY + WAIT + LIFETIME;

    let before = verdicts(&keys, &files, &RULES, until - 1);
    let at = verdicts(&keys, &files, &RULES, until);

    assert_eq!(
        before[0],
        Verdict::Keep(KeepReason::MayVerifyLiveTokens {
            stopped_signing: None,
            until
        })
    );
    assert_eq!(at[0], Verdict::Remove);
}

#[test]
fn a_key_due_to_sign_after_the_next_one_stays() {
    let (mut keys, mut files) = generations();
    keys.push(secret("k4", T + 200 * DAY + 10));
    files.push(file("k4.pem", KeyFile::Private, T + 200 * DAY + 10));
    let any_age = RetentionRules {
        older_than: 0,
        ..RULES
    };

    let verdicts = verdicts(&keys, &files, &any_age, T + 200 * DAY + 100);

    assert_eq!(
        verdicts[3],
        Verdict::Keep(KeepReason::SignsLater {
            from: T + 200 * DAY + 10 + WAIT
        })
    );
}

#[test]
fn a_public_key_beside_its_private_key_goes_and_stays_with_it() {
    let (keys, mut files) = generations();
    files.push(file("k1.pub.pem", KeyFile::Public, T + 150 * DAY));
    files.push(file("k2.pub.pem", KeyFile::Public, T));

    let verdicts = verdicts(&keys, &files, &RULES, T + 200 * DAY + 100);

    assert_eq!(verdicts[3], Verdict::Remove);
    assert_eq!(verdicts[4], Verdict::Keep(KeepReason::SignsNow));
}

#[test]
fn a_lone_public_key_is_never_removed() {
    let (keys, mut files) = generations();
    files.push(file("partner.pub.pem", KeyFile::Public, T));
    files.push(file("fresh.pub.pem", KeyFile::Public, T + 200 * DAY));

    let verdicts = verdicts(&keys, &files, &RULES, T + 1_000 * DAY);

    assert_eq!(verdicts[3], Verdict::Keep(KeepReason::PublicOnly));
    assert_eq!(
        verdicts[4],
        Verdict::Keep(KeepReason::PublicOnly),
        "old enough by then too"
    );
    let soon = self::verdicts(&keys, &files, &RULES, T + 200 * DAY + 100);
    assert_eq!(
        soon[4],
        Verdict::Recent {
            published_at: T + 200 * DAY
        }
    );
}

#[test]
fn a_file_is_recent_until_exactly_older_than_ago() {
    let (keys, files) = generations();
    let now = T + 200 * DAY + 100;
    let rules = RetentionRules {
        older_than: 100,
        ..RULES
    };
    let younger = RetentionRules {
        older_than: 101,
        ..RULES
    };

    assert_eq!(
        verdicts(&keys, &files, &rules, now)[2],
        Verdict::Keep(KeepReason::SignsNext {
            from: T + 200 * DAY + WAIT
        })
    );
    assert_eq!(
        verdicts(&keys, &files, &younger, now)[2],
        Verdict::Recent {
            published_at: T + 200 * DAY
        }
    );
}
