//! The extractor's check over a remote JWKS: the same verdicts as over the key folder, and
//! a token of a key published after the last fetch taken after one more fetch.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use super::verify_access_token;
use crate::clock::ManualClock;
use crate::keys::generate::KeyAlgorithm;
use crate::keys::remote::tests::fake::{Answer, FakeAuthd};
use crate::keys::remote::tests::{folder, with_new_key, NOW};
use crate::keys::remote::{RefreshPolicy, RemoteJwks};
use crate::keys::{KeyRing, KeySource, KeyStore};
use crate::tokens::TokenPolicy;
use crate::tokens::{issue_access_token, AccessTokenVerifier, Session, Subject, TokenError};

fn verifier(keys: impl Into<KeySource>) -> AccessTokenVerifier {
    let clock = Arc::new(ManualClock::starting_at(NOW));
    AccessTokenVerifier::new(keys, "authd", "authd", 30, clock)
}

/// An access token for `audience`, signed at [`NOW`] by `ring`'s newest key.
fn token(ring: &KeyRing, audience: &str) -> String {
    let policy = TokenPolicy {
        issuer: "authd".into(),
        audience: audience.into(),
        client_ids: "web-app".parse().unwrap(),
        access_ttl: 900,
        refresh_ttl: 3600,
        session_ttl: 86_400,
        reuse_grace: 0,
        leeway: 30,
    };
    let subject = Subject {
        id: Uuid::new_v4(),
        email: "alice@example.com",
        roles: &[],
        generation: 0,
    };
    let client = policy.client_ids.default_client().clone();
    issue_access_token(ring, &policy, subject, Session::start(NOW), &client, NOW)
        .unwrap()
        .0
}

/// `token` with its header replaced by one naming `kid`.
fn with_kid(token: &str, kid: &str) -> String {
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"at+jwt"}}"#);
    let rest = token.split_once('.').unwrap().1;
    format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header))
}

async fn remote(fake: &FakeAuthd) -> RemoteJwks {
    let jwks = RemoteJwks::spawn(&fake.url, RefreshPolicy::default()).unwrap();
    assert!(jwks.wait_for_keys(Duration::from_secs(5)).await);
    jwks
}

#[tokio::test]
async fn a_remote_jwks_gives_the_same_verdicts_as_the_key_folder() {
    let (dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let over_folder = verifier(KeyStore::open(dir.path(), 300).unwrap());
    let over_jwks = verifier(remote(&fake).await);
    let valid = token(&ring, "authd");
    let tampered = format!("{}A", &valid[..valid.len() - 1]);
    let cases = [
        (valid.clone(), NOW),
        (valid.clone(), NOW + 1_000),
        (valid.clone(), NOW - 1_000),
        (token(&ring, "another-service"), NOW),
        (tampered, NOW),
        (with_kid(&valid, "nobody"), NOW),
    ];

    for (token, now) in cases {
        let verdict = over_jwks.verify_at(&token, now);
        assert_eq!(verdict, over_folder.verify_at(&token, now), "at {now}");
    }
    assert!(over_jwks.verify_at(&valid, NOW).is_ok());
    assert_eq!(
        over_jwks.verify_at(&valid, NOW + 1_000),
        Err(TokenError::Expired)
    );
}

#[tokio::test]
async fn a_token_of_a_key_published_after_the_last_fetch_passes_after_one_more_fetch() {
    let (dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let verifier = verifier(remote(&fake).await);
    let rotated = with_new_key(dir.path(), KeyAlgorithm::Eddsa);
    fake.answer(Answer::jwks_of(&rotated, 300));
    let token = token(&rotated, "authd");

    assert_eq!(verifier.verify(&token), Err(TokenError::UnknownKey));
    let claims = verify_access_token(&verifier, &token).await;

    assert_eq!(
        claims.map(|c| c.email.clone()),
        Ok("alice@example.com".to_owned())
    );
    assert_eq!(fake.hits().len(), 2);
}

#[tokio::test]
async fn a_kid_nobody_published_is_rejected_after_at_most_one_fetch() {
    let (_dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let fake = FakeAuthd::start(Answer::jwks_of(&ring, 300)).await;
    let verifier = verifier(remote(&fake).await);
    let forged = with_kid(&token(&ring, "authd"), "nobody");

    for _ in 0..10 {
        let verdict = verify_access_token(&verifier, &forged).await;
        assert_eq!(
            verdict.map(|c| c.email.clone()),
            Err(TokenError::UnknownKey)
        );
    }

    assert_eq!(fake.hits().len(), 2);
}

#[tokio::test]
async fn over_a_key_folder_an_unknown_kid_is_rejected_without_a_wait() {
    let (dir, ring) = folder(&[KeyAlgorithm::Es256]);
    let verifier = verifier(KeyStore::open(dir.path(), 300).unwrap());
    let forged = with_kid(&token(&ring, "authd"), "nobody");

    let verdict = tokio::time::timeout(
        Duration::from_millis(100),
        verify_access_token(&verifier, &forged),
    );

    assert_eq!(
        verdict.await.map(|v| v.err()),
        Ok(Some(TokenError::UnknownKey))
    );
}
