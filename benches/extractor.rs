//! The `AuthenticatedUser` extractor end to end, on an actix `TestRequest` carrying
//! `Authorization: Bearer <token>`, ES256 and EdDSA, with the verifier set up as the server
//! sets it up (`AUTHD_TOKEN_CACHE` read from the settings, an empty revocation set): a cache
//! hit (one token repeated), a miss (a token the cache has not seen, each time), the cache
//! off (`AUTHD_TOKEN_CACHE=0`), and a hit among 10,000 revoked sessions.
//!
//! `cargo bench --bench extractor`; under `cargo test` each benchmark runs once, as a check.

mod common;

use common::{key_folder, Defaults};

use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::test::TestRequest;
use actix_web::{web, FromRequest, HttpRequest};
use authd::clock::SystemClock;
use authd::extractor::AuthenticatedUser;
use authd::keys::generate::KeyAlgorithm;
use authd::keys::{KeyRing, KeyStore};
use authd::revocation::{Fact, RevocationSet, Revoked};
use authd::settings::TokenSettings;
use authd::tokens::{
    issue_access_token, AccessTokenVerifier, CacheCounters, Session, StalePolicy, Subject,
    TokenCache, TokenPolicy,
};
use clap::Parser;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use uuid::Uuid;

const ALGORITHMS: [(&str, KeyAlgorithm); 2] = [
    ("ES256", KeyAlgorithm::Es256),
    ("EdDSA", KeyAlgorithm::Eddsa),
];

/// Revoked sessions in the crowded set: what `make bench`'s revocation row loads.
const REVOKED: usize = 10_000;

/// What a server of `tokens` verifies with: the same cache, revocations checked.
fn verifier(
    keys: &KeyStore,
    tokens: &TokenSettings,
    revoked: Arc<RevocationSet>,
) -> web::Data<AccessTokenVerifier> {
    let policy = TokenPolicy::new(tokens);
    let lifetime = Duration::from_secs(tokens.access_ttl + tokens.leeway);
    let cache = TokenCache::new(tokens.token_cache, lifetime, CacheCounters::unregistered());
    let verifier = AccessTokenVerifier::new(
        keys.clone(),
        &policy.issuer,
        &policy.audience,
        policy.leeway,
        Arc::new(SystemClock),
    );
    web::Data::new(
        verifier
            .with_cache(cache)
            .with_revocations(revoked, StalePolicy::KeepVerifying),
    )
}

/// A login's access token: a new user id and session each time.
fn mint(ring: &KeyRing, policy: &TokenPolicy) -> String {
    let now = chrono::Utc::now().timestamp();
    let subject = Subject {
        id: Uuid::now_v7(),
        email: "bench-user@example.com",
        roles: &[],
        generation: 0,
    };
    let client = policy.client_ids.default_client();
    let (token, _) = issue_access_token(ring, policy, subject, Session::start(now), client, now)
        .expect("the folder's key signs");
    token
}

fn request(verifier: &web::Data<AccessTokenVerifier>, token: &str) -> HttpRequest {
    TestRequest::default()
        .insert_header((AUTHORIZATION, format!("Bearer {token}")))
        .app_data(verifier.clone())
        .to_http_request()
}

/// Runs the extractor on `req`. Over a key folder it never waits (only a remote JWKS may
/// fetch), so one poll finishes it, and no runtime's overhead is measured with it.
fn extract(req: &HttpRequest) -> AuthenticatedUser {
    let mut extraction = AuthenticatedUser::from_request(req, &mut Payload::None);
    match extraction
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(user) => user.expect("the token is accepted"),
        Poll::Pending => panic!("the extractor waited over a key folder"),
    }
}

/// A set holding [`REVOKED`] live session facts, none of them the benchmark's tokens'.
fn crowded_set() -> Arc<RevocationSet> {
    let set = Arc::new(RevocationSet::new());
    let now = chrono::Utc::now().timestamp();
    for seq in 1..=REVOKED as u64 {
        let revoked = Revoked::Session {
            sid: Uuid::new_v4(),
        };
        set.apply(
            Fact {
                seq,
                revoked,
                until: now + 3_600,
            },
            now,
        );
    }
    set
}

fn extractor(c: &mut Criterion) {
    authd::install_crypto_provider();
    let on = Defaults::parse_from(["bench"]).tokens;
    assert!(
        on.token_cache > 0,
        "AUTHD_TOKEN_CACHE is 0: the cache is off"
    );
    let off = Defaults::parse_from(["bench", "--token-cache", "0"]).tokens;
    let policy = TokenPolicy::new(&on);
    let crowded = crowded_set();
    let mut group = c.benchmark_group("extractor");
    for (name, alg) in ALGORITHMS {
        let (_dir, keys) = key_folder(alg);
        let ring = keys.current();
        let token = mint(&ring, &policy);

        let cached = verifier(&keys, &on, Arc::new(RevocationSet::new()));
        let repeated = request(&cached, &token);
        extract(&repeated);
        let counters = cached.cache().counters();
        let hits = counters.hits.get();
        group.bench_function(BenchmarkId::new("hit", name), |b| {
            b.iter(|| extract(&repeated))
        });
        assert!(
            counters.hits.get() > hits,
            "the repeated token missed the cache"
        );
        let misses = counters.misses.get();
        // Each iteration a token never seen: minted (untimed) just before.
        group.bench_function(BenchmarkId::new("miss", name), |b| {
            b.iter_batched(
                || request(&cached, &mint(&ring, &policy)),
                |fresh| extract(&fresh),
                BatchSize::SmallInput,
            )
        });
        assert!(counters.misses.get() > misses, "a new token hit the cache");
        let uncached = request(
            &verifier(&keys, &off, Arc::new(RevocationSet::new())),
            &token,
        );
        group.bench_function(BenchmarkId::new("cache-off", name), |b| {
            b.iter(|| extract(&uncached))
        });
        let among_revoked = request(&verifier(&keys, &on, crowded.clone()), &token);
        extract(&among_revoked);
        group.bench_function(BenchmarkId::new("hit-10k-revoked", name), |b| {
            b.iter(|| extract(&among_revoked))
        });
    }
    group.finish();
}

criterion_group!(benches, extractor);
criterion_main!(benches);
