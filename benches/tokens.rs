//! Sign and verify of access tokens per algorithm, through authd's own API
//! (`issue_access_token`, `AccessTokenVerifier::verify_at`). `make bench` reads the verify
//! times (criterion's `estimates.json`) for the verify bound of `/auth/me`: 1 ÷ (verify +
//! the `/healthz` time per request). See benches/bench.py.
//!
//! `cargo bench --bench tokens`; under `cargo test` each benchmark runs once, as a check.

mod common;

use common::{key_folder, Defaults};

use std::hint::black_box;
use std::sync::Arc;

use authd::clock::SystemClock;
use authd::keys::generate::KeyAlgorithm;
use authd::tokens::{issue_access_token, AccessTokenVerifier, Session, Subject, TokenPolicy};
use clap::Parser;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use uuid::Uuid;

const ALGORITHMS: [(&str, KeyAlgorithm); 3] = [
    ("ES256", KeyAlgorithm::Es256),
    ("EdDSA", KeyAlgorithm::Eddsa),
    ("RS256", KeyAlgorithm::Rs256),
];

fn access_tokens(c: &mut Criterion) {
    authd::install_crypto_provider();
    let policy = TokenPolicy::new(&Defaults::parse_from(["tokens"]).tokens);
    let client = policy.client_ids.default_client().clone();
    let mut group = c.benchmark_group("access_token");
    for (name, alg) in ALGORITHMS {
        let (_dir, keys) = key_folder(alg);
        let ring = keys.current();
        let now = chrono::Utc::now().timestamp();
        // What a login mints: a user id, an email, no roles, a fresh session.
        let subject = Subject {
            id: Uuid::now_v7(),
            email: "bench-user@example.com",
            roles: &[],
            generation: 0,
        };
        let session = Session::start(now);
        let sign = || issue_access_token(&ring, &policy, subject, session, &client, now);
        group.bench_function(BenchmarkId::new("sign", name), |b| {
            b.iter(|| sign().expect("signs"))
        });
        let (token, _) = sign().expect("signs");
        let verifier = AccessTokenVerifier::new(
            keys.clone(),
            &policy.issuer,
            &policy.audience,
            policy.leeway,
            Arc::new(SystemClock),
        );
        verifier
            .verify_at(&token, now)
            .expect("its own token verifies");
        group.bench_function(BenchmarkId::new("verify", name), |b| {
            b.iter(|| {
                verifier
                    .verify_at(black_box(&token), now)
                    .expect("verifies")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, access_tokens);
criterion_main!(benches);
