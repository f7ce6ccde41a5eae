//! The refresher against a fake authd: the first fetch, revalidation with the `ETag`, the
//! last good set through failures, the limits, and one fetch for many unknown kids.

use std::sync::Arc;
use std::time::Duration;

use super::fake::{Answer, FakeAuthd, Hit};
use super::{folder, signature_verifies, with_new_key, NOW};
use crate::clock::ManualClock;
use crate::keys::generate::KeyAlgorithm;
use crate::keys::remote::{RefreshPolicy, RemoteJwks};

const SECOND: Duration = Duration::from_secs(1);

fn spawn(url: &str, policy: RefreshPolicy) -> RemoteJwks {
    RemoteJwks::spawn_with_clock(url, policy, Arc::new(ManualClock::starting_at(NOW))).unwrap()
}

/// Waits until the fake was asked `count` times, or fails after 10 s.
async fn until_hits(fake: &FakeAuthd, count: usize) -> Vec<Hit> {
    for _ in 0..1000 {
        let hits = fake.hits();
        if hits.len() >= count {
            return hits;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the fake was asked {} times, not {count}",
        fake.hits().len()
    );
}

#[tokio::test]
async fn the_first_fetch_brings_authds_keys_and_their_signatures_verify() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256, KeyAlgorithm::Eddsa]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;

    let jwks = spawn(&fake.url, RefreshPolicy::default());

    assert!(jwks.wait_for_keys(5 * SECOND).await);
    let status = jwks.status();
    assert!(status.healthy);
    assert_eq!(status.kids, ring.kids().collect::<Vec<_>>());
    assert_eq!((status.last_success, status.fetches), (Some(NOW), 1));
    let fetched = jwks.current();
    for kid in ring.kids() {
        assert!(signature_verifies(&ring, &fetched, kid), "{kid}");
    }
}

#[tokio::test]
async fn an_unchanged_set_is_revalidated_with_its_etag_at_the_floor_and_a_304_keeps_it() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 0)).await;
    let policy = RefreshPolicy {
        min_refresh: Duration::from_millis(50),
        ..RefreshPolicy::default()
    };

    let jwks = spawn(&fake.url, policy);
    let hits = until_hits(&fake, 3).await;

    let etag = Some(ring.etag().to_owned());
    assert_eq!(
        hits[0],
        Hit {
            if_none_match: None,
            status: 200
        }
    );
    assert_eq!(
        hits[1],
        Hit {
            if_none_match: etag.clone(),
            status: 304
        }
    );
    assert_eq!(
        hits[2],
        Hit {
            if_none_match: etag,
            status: 304
        }
    );
    assert!(jwks.status().healthy);
    assert_eq!(
        jwks.current().kids().collect::<Vec<_>>(),
        ring.kids().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_max_age_longer_than_the_ceiling_is_cut_to_the_ceiling() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 86_400)).await;
    let policy = RefreshPolicy {
        min_refresh: Duration::from_millis(10),
        max_refresh: Duration::from_millis(100),
        ..RefreshPolicy::default()
    };

    let _jwks = spawn(&fake.url, policy);

    until_hits(&fake, 3).await;
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_set_again_at_once_and_brings_the_new_key() {
    let (dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let jwks = spawn(&fake.url, RefreshPolicy::default());
    assert!(jwks.wait_for_keys(5 * SECOND).await);
    let rotated = with_new_key(dir.path(), KeyAlgorithm::Eddsa);
    let new_kid = rotated.kids().last().unwrap().to_owned();
    fake.answer(Answer::jwks_of(&rotated, 300));

    assert!(jwks.refetch_for_unknown_kid().await);

    assert!(signature_verifies(&rotated, &jwks.current(), &new_kid));
    assert_eq!(fake.hits().len(), 2);
    assert_eq!(fake.hits()[1].status, 200);
}

#[tokio::test]
async fn many_unknown_kids_at_once_cause_one_fetch_and_none_more_within_the_interval() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let policy = RefreshPolicy {
        unknown_kid_interval: Duration::from_millis(500),
        ..RefreshPolicy::default()
    };
    let jwks = spawn(&fake.url, policy);
    assert!(jwks.wait_for_keys(5 * SECOND).await);

    let asking: Vec<_> = (0..20)
        .map(|_| {
            let jwks = jwks.clone();
            tokio::spawn(async move { jwks.refetch_for_unknown_kid().await })
        })
        .collect();
    for ask in asking {
        assert!(ask.await.unwrap(), "each waited for the one fetch");
    }
    assert_eq!(fake.hits().len(), 2);
    for _ in 0..20 {
        assert!(!jwks.refetch_for_unknown_kid().await);
    }
    assert_eq!(fake.hits().len(), 2);

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(jwks.refetch_for_unknown_kid().await);
    assert_eq!(fake.hits().len(), 3);
}

#[tokio::test]
async fn a_folder_never_fetches_for_an_unknown_kid() {
    let (dir, _ring) = folder(&[KeyAlgorithm::Es256]);
    let store = crate::keys::KeyStore::open(dir.path(), 300).unwrap();

    assert!(
        !crate::keys::KeySource::from(store)
            .refetch_for_unknown_kid()
            .await
    );
}
