//! The verified-token cache and the revocation check: a hit is only ever the exact bytes
//! that verified, under the same keys, at a time they are still valid, and not revoked.

use super::*;
use crate::revocation::{Fact, RevocationSet, Revoked};

fn cached_verifier(fixture: &Fixture) -> AccessTokenVerifier {
    let cache = TokenCache::new(
        100,
        std::time::Duration::from_secs(3600),
        CacheCounters::unregistered(),
    );
    fixture.verifier().with_cache(cache)
}

fn counts(verifier: &AccessTokenVerifier) -> (u64, u64) {
    let counters = verifier.cache().counters();
    (counters.hits.get(), counters.misses.get())
}

/// `token` with bit `bit` of byte `at` of segment `segment` flipped, kept in the base64url
/// alphabet so that only the decoded value changes.
fn tampered(token: &str, segment: usize, at: usize) -> String {
    let mut parts: Vec<Vec<u8>> = token
        .split('.')
        .map(|part| URL_SAFE_NO_PAD.decode(part).unwrap())
        .collect();
    parts[segment][at] ^= 0x01;
    let encoded: Vec<String> = parts.iter().map(|p| URL_SAFE_NO_PAD.encode(p)).collect();
    encoded.join(".")
}

#[test]
fn a_repeated_token_is_verified_once_and_then_found() {
    let f = fixture();
    let verifier = cached_verifier(&f);
    let token = f.access_token(NOW);

    let first = verifier.verify_at(&token, NOW).unwrap();
    let second = verifier.verify_at(&token, NOW + 1).unwrap();

    assert_eq!(first, second);
    assert!(Arc::ptr_eq(&first, &second), "the kept claims themselves");
    assert_eq!(counts(&verifier), (1, 1));
    assert_eq!(verifier.cache().len(), 1);
    assert!(!verifier.cache().is_empty());
}

#[test]
fn a_token_with_one_bit_changed_never_hits_the_entry_of_the_genuine_one() {
    let f = fixture();
    let verifier = cached_verifier(&f);
    let token = f.access_token(NOW);
    verifier.verify_at(&token, NOW).unwrap();
    let parts: Vec<usize> = token
        .split('.')
        .map(|p| URL_SAFE_NO_PAD.decode(p).unwrap().len())
        .collect();

    for (segment, len) in parts.iter().enumerate() {
        for at in [0, len / 2, len - 1] {
            let forged = tampered(&token, segment, at);
            assert!(
                verifier.verify_at(&forged, NOW).is_err(),
                "segment {segment} byte {at}"
            );
        }
    }

    assert_eq!(counts(&verifier).0, 0, "no hit");
    assert_eq!(verifier.cache().len(), 1, "no failure kept");
}

#[test]
fn failures_are_never_kept() {
    let f = fixture();
    let verifier = cached_verifier(&f);
    let expired = f.access_token(NOW - 2_000);

    for _ in 0..3 {
        assert_eq!(verifier.verify_at(&expired, NOW), Err(TokenError::Expired));
    }

    assert_eq!(counts(&verifier), (0, 3));
    assert!(verifier.cache().is_empty());
}

#[test]
fn a_cached_token_is_refused_once_it_expires() {
    let f = fixture();
    let verifier = cached_verifier(&f);
    let token = f.access_token(NOW);
    verifier.verify_at(&token, NOW).unwrap();

    assert!(verifier.verify_at(&token, NOW + 900 + LEEWAY).is_ok());
    assert_eq!(
        verifier.verify_at(&token, NOW + 900 + LEEWAY + 1),
        Err(TokenError::Expired)
    );
    assert_eq!(
        counts(&verifier),
        (2, 1),
        "refused on a hit, not re-verified"
    );
}

#[test]
fn a_removed_keys_tokens_stop_verifying_at_the_next_reload() {
    let f = fixture();
    let verifier = cached_verifier(&f);
    let token = f.access_token(NOW);
    verifier.verify_at(&token, NOW).unwrap();
    let other = generate_key(f._dir.path(), KeyAlgorithm::Es256, chrono::Utc::now()).unwrap();
    std::fs::remove_file(f._dir.path().join(format!("{}.pem", f.kid))).unwrap();
    assert!(
        verifier.verify_at(&token, NOW).is_ok(),
        "until the folder is re-read"
    );

    f.store.reload().unwrap();

    assert!(other.exists());
    assert_eq!(verifier.verify_at(&token, NOW), Err(TokenError::UnknownKey));
}

#[test]
fn a_reload_of_the_same_keys_keeps_the_entries() {
    let f = fixture();
    let verifier = cached_verifier(&f);
    let token = f.access_token(NOW);
    verifier.verify_at(&token, NOW).unwrap();

    f.store.reload().unwrap();
    verifier.verify_at(&token, NOW).unwrap();

    assert_eq!(counts(&verifier), (1, 1));
}

#[test]
fn with_the_cache_off_nothing_is_kept_or_counted() {
    let f = fixture();
    let verifier = f.verifier();
    let token = f.access_token(NOW);
    verifier.verify_at(&token, NOW).unwrap();
    verifier.verify_at(&token, NOW).unwrap();
    assert_eq!(verifier.cache().digest(&token), None);
    assert!(verifier.cache().is_empty());
    assert_eq!(counts(&verifier), (0, 0));
}

fn revoke_session_of(set: &RevocationSet, token: &str, until: i64) {
    let sid = jwt_claims(token)["sid"].as_str().unwrap().parse().unwrap();
    let fact = Fact {
        seq: 1,
        revoked: Revoked::Session { sid },
        until,
    };
    assert!(set.apply(fact, NOW));
}

fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[test]
fn a_revoked_session_is_refused_on_a_hit_and_on_a_first_sight() {
    let f = fixture();
    let set = Arc::new(RevocationSet::new());
    let verifier = cached_verifier(&f).with_revocations(set.clone(), StalePolicy::KeepVerifying);
    let cached = f.access_token(NOW);
    let fresh = f.access_token(NOW);
    verifier.verify_at(&cached, NOW).unwrap();

    revoke_session_of(&set, &cached, NOW + 930);
    revoke_session_of(&set, &fresh, NOW + 930);

    assert_eq!(
        verifier.verify_at(&cached, NOW + 1),
        Err(TokenError::Revoked)
    );
    assert_eq!(
        verifier.verify_at(&fresh, NOW + 1),
        Err(TokenError::Revoked)
    );
    assert_eq!(counts(&verifier).0, 1, "the revoked one was a hit");
    let other = f.access_token(NOW);
    assert!(verifier.verify_at(&other, NOW + 1).is_ok());
}

#[test]
fn a_user_fact_ends_older_generations_and_spares_the_new_one() {
    let f = fixture();
    let set = Arc::new(RevocationSet::new());
    let verifier = f
        .verifier()
        .with_revocations(set.clone(), StalePolicy::KeepVerifying);
    let token = f.access_token(NOW);
    let sub = jwt_claims(&token)["sub"].as_str().unwrap().parse().unwrap();
    let fact = |gen| Fact {
        seq: 1,
        revoked: Revoked::User { sub, gen },
        until: NOW + 930,
    };

    set.apply(fact(0), NOW);
    assert!(
        verifier.verify_at(&token, NOW).is_ok(),
        "generation 0 is not below 0"
    );
    set.apply(fact(1), NOW);
    assert_eq!(verifier.verify_at(&token, NOW), Err(TokenError::Revoked));
    assert!(
        verifier.verify_at(&token, NOW + 931).is_err(),
        "expired by then anyway"
    );
}

#[test]
fn a_verifier_told_to_refuse_refuses_while_its_facts_are_stale_and_only_then() {
    let f = fixture();
    let set = Arc::new(RevocationSet::new());
    let strict = f
        .verifier()
        .with_revocations(set.clone(), StalePolicy::Refuse);
    let lenient = f
        .verifier()
        .with_revocations(set.clone(), StalePolicy::KeepVerifying);
    let token = f.access_token(NOW);

    set.mark_current(false);
    assert_eq!(
        strict.verify_at(&token, NOW),
        Err(TokenError::RevocationsUnknown)
    );
    assert!(lenient.verify_at(&token, NOW).is_ok());

    set.mark_current(true);
    assert!(strict.verify_at(&token, NOW).is_ok());
}
