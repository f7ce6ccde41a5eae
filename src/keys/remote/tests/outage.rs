//! When authd fails: errors, garbage, silence, redirects, bodies past the cap and no
//! answer at all each keep the last good set, and the status says why.

use std::sync::Arc;
use std::time::Duration;

use super::fake::{Answer, FakeAuthd};
use super::{folder, NOW};
use crate::clock::{Clock, ManualClock};
use crate::keys::generate::KeyAlgorithm;
use crate::keys::remote::{RefreshPolicy, RemoteJwks};

/// A remote JWKS on `fake`, whose unknown-kid fetches are never refused (so the test can
/// fetch at will), holding `fake`'s first answer; the status times come from `clock`.
async fn fetched(fake: &FakeAuthd, policy: RefreshPolicy, clock: &ManualClock) -> RemoteJwks {
    let policy = RefreshPolicy {
        unknown_kid_interval: Duration::ZERO,
        ..policy
    };
    let jwks = RemoteJwks::spawn_with_clock(&fake.url, policy, Arc::new(clock.clone())).unwrap();
    assert!(jwks.wait_for_keys(Duration::from_secs(5)).await);
    jwks
}

fn raw(answer: &str) -> Answer {
    Answer::Raw(answer.as_bytes().to_vec())
}

#[tokio::test]
async fn errors_and_garbage_keep_the_last_good_set_and_the_status_says_why() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let clock = ManualClock::starting_at(NOW);
    let jwks = fetched(&fake, RefreshPolicy::default(), &clock).await;
    let kids: Vec<String> = ring.kids().map(str::to_owned).collect();
    let ok = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";

    for (answer, why) in [
        (raw("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"), "answered HTTP 500"),
        (raw(&format!("{ok}<html>maintenance</html>")), "the answer is not a JWKS (a JSON object with a `keys` array)"),
        (raw(&format!("{ok}{{\"keys\": [{{\"kty\": \"oct\", \"k\": \"AAAA\", \"kid\": \"x\", \"alg\": \"HS256\"}}]}}")), "the JWKS holds no usable key (1 skipped)"),
    ] {
        clock.advance(10);
        fake.answer(answer);

        assert!(jwks.refetch_for_unknown_kid().await);

        let status = jwks.status();
        assert_eq!(status.last_error.as_deref(), Some(why));
        assert!(!status.healthy);
        assert_eq!((status.last_success, status.last_attempt), (Some(NOW), Some(clock.now())));
        assert_eq!(status.kids, kids);
    }
    fake.answer(Answer::jwks_of(&ring, 300));
    assert!(jwks.refetch_for_unknown_kid().await);
    assert!(jwks.status().healthy);
}

#[tokio::test]
async fn an_authd_that_cannot_be_reached_leaves_the_last_good_set_in_use() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let jwks = fetched(
        &fake,
        RefreshPolicy::default(),
        &ManualClock::starting_at(NOW),
    )
    .await;

    fake.stop().await;
    assert!(jwks.refetch_for_unknown_kid().await);

    let status = jwks.status();
    let error = status.last_error.unwrap_or_default();
    assert!(error.starts_with("no answer: "), "{error}");
    assert!(
        !error.contains("127.0.0.1"),
        "the URL is logged once, not in each error: {error}"
    );
    assert_eq!(jwks.current().len(), 1);
}

#[tokio::test]
async fn an_answer_longer_than_the_cap_is_refused_with_or_without_a_length() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let policy = RefreshPolicy {
        max_body_bytes: 1024,
        ..RefreshPolicy::default()
    };
    let jwks = fetched(&fake, policy, &ManualClock::starting_at(NOW)).await;
    let huge = "x".repeat(4 << 20);

    for answer in [
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{huge}",
            huge.len()
        ),
        format!("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{huge}"),
    ] {
        fake.answer(raw(&answer));
        assert!(jwks.refetch_for_unknown_kid().await);

        let status = jwks.status();
        assert_eq!(
            status.last_error.as_deref(),
            Some("answered more than 1024 bytes")
        );
        assert_eq!(status.kids.len(), 1);
    }
}

#[tokio::test]
async fn a_silent_authd_is_given_up_on_after_the_fetch_timeout() {
    let fake = FakeAuthd::start(Answer::Silent).await;
    let policy = RefreshPolicy {
        fetch_timeout: Duration::from_millis(300),
        ..RefreshPolicy::default()
    };
    let started = std::time::Instant::now();

    let jwks = RemoteJwks::spawn(&fake.url, policy).unwrap();
    let has_keys = jwks.wait_for_keys(Duration::from_secs(1)).await;

    assert!(!has_keys);
    let status = jwks.status();
    assert_eq!(status.last_error.as_deref(), Some("no answer within 300ms"));
    assert!(!status.healthy && status.kids.is_empty() && status.last_success.is_none());
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let elsewhere = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n",
        elsewhere.url
    );
    let fake = FakeAuthd::start(raw(&redirect)).await;

    let jwks = RemoteJwks::spawn(&fake.url, RefreshPolicy::default()).unwrap();

    assert!(!jwks.wait_for_keys(Duration::from_millis(500)).await);
    assert_eq!(
        jwks.status().last_error.as_deref(),
        Some("answered HTTP 302")
    );
    assert!(elsewhere.hits().is_empty());
}

#[tokio::test]
async fn a_304_to_a_fetch_that_revalidated_nothing_brings_no_key() {
    let fake = FakeAuthd::start(raw("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n")).await;

    let jwks = RemoteJwks::spawn(&fake.url, RefreshPolicy::default()).unwrap();

    assert!(!jwks.wait_for_keys(Duration::from_millis(500)).await);
    assert_eq!(fake.hits()[0].if_none_match, None);
    assert_eq!(
        jwks.status().last_error.as_deref(),
        Some("answered HTTP 304")
    );
}

#[tokio::test]
async fn the_refresher_stops_when_the_last_handle_is_dropped() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 0)).await;
    let policy = RefreshPolicy {
        min_refresh: Duration::from_millis(20),
        ..RefreshPolicy::default()
    };
    let jwks = fetched(&fake, policy, &ManualClock::starting_at(NOW)).await;
    let copy = jwks.clone();

    drop(jwks);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let while_a_copy_lives = fake.hits().len();
    drop(copy);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let after = fake.hits().len();
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert!(while_a_copy_lives >= 3, "{while_a_copy_lives} fetches");
    assert_eq!(fake.hits().len(), after);
}

#[tokio::test]
async fn only_http_and_https_urls_are_taken() {
    for url in [
        "ftp://authd/jwks.json",
        "file:///etc/jwks.json",
        "not a url",
        "",
    ] {
        assert!(
            RemoteJwks::spawn(url, RefreshPolicy::default()).is_err(),
            "{url}"
        );
    }
}

#[test]
fn spawning_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let spawned = RemoteJwks::spawn("http://127.0.0.1:1/jwks.json", RefreshPolicy::default());

    let error = spawned.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("tokio runtime"), "{error}");
}
