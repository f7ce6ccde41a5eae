//! The refresh flow on the memory stores: what `POST /auth/refresh` runs after parsing,
//! `Sessions::verify_refresh` then `Sessions::rotate` (re-read the user, mint the successor
//! pair, seal it for the grace window, retire the presented token), from a valid refresh
//! token to a new pair, ES256, with the server's default settings. Each iteration presents
//! the successor the previous one returned, so every token is fresh (never a replay); each
//! batch of iterations starts a new session on an empty denylist.
//!
//! `cargo bench --bench refresh`; under `cargo test` it runs once, as a check.

mod common;

use common::key_folder;

use std::sync::Arc;
use std::time::Instant;

use authd::cli::Cli;
use authd::domain::{Email, PasswordPolicy};
use authd::hashing::PasswordHasher;
use authd::keys::generate::KeyAlgorithm;
use authd::keys::KeyRing;
use authd::revocation::RevocationSet;
use authd::sessions::{issue_token_pair, Revocations, Sessions};
use authd::settings::Settings;
use authd::store::{MemoryCounters, MemoryDenylist, MemoryRevocations, MemoryUserStore, NewUser};
use authd::throttle::Throttle;
use authd::tokens::{RefreshCheck, Session, TokenPolicy};
use clap::Parser;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// The flows as a server of `settings` has them, every store in memory. (The server builds
/// its `Sessions` the same way in `startup.rs`, over the stores of its settings.)
fn memory_sessions(settings: &Settings) -> Sessions {
    let (workers, queue) = settings.hashing.pool_size();
    let counters = Arc::new(MemoryCounters::new());
    let revocations = Arc::new(MemoryRevocations::new());
    Sessions {
        users: Arc::new(MemoryUserStore::new()),
        denylist: Arc::new(MemoryDenylist::new()),
        hasher: PasswordHasher::new(settings.hashing.argon2, workers, queue)
            .expect("the default argon2 cost"),
        throttle: Arc::new(Throttle::new(counters, &settings.throttle)),
        policy: TokenPolicy::new(&settings.tokens),
        passwords: PasswordPolicy::new(settings.hashing.password_min_length),
        device_ttl: i64::try_from(settings.throttle.device_ttl).unwrap_or(i64::MAX / 2),
        metrics: Default::default(),
        revocations: Arc::new(Revocations::new(
            revocations,
            Arc::new(RevocationSet::new()),
        )),
    }
}

/// The refresh handler's flow: the presented token's successor pair's refresh token.
async fn refresh(sessions: &Sessions, ring: &KeyRing, token: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = (sessions.verify_refresh(ring, token, now, RefreshCheck::Live))
        .expect("a fresh refresh token verifies");
    let client = sessions.policy.client_ids.default_client();
    let pair = (sessions.rotate(ring, token, &claims, client, now).await)
        .expect("a fresh refresh token rotates");
    pair.refresh_token
}

fn refresh_flow(c: &mut Criterion) {
    authd::install_crypto_provider();
    let settings = Cli::try_parse_from(["authd"])
        .expect("the default settings")
        .settings;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (_dir, keys) = key_folder(KeyAlgorithm::Es256);
    let ring = keys.current();
    let mut sessions = memory_sessions(&settings);
    // A user as registration stores one (the flow never hashes: no real hash needed).
    let email = Email::parse("bench-user@example.com").expect("an email");
    let new_user = NewUser::new(email, "$argon2id$unused".into(), vec![]);
    let user = (runtime.block_on(sessions.users.insert(&new_user))).expect("the user is stored");
    let mut group = c.benchmark_group("refresh");
    group.bench_function(BenchmarkId::new("rotate", "ES256"), |b| {
        b.iter_custom(|iterations| {
            // Each batch on an empty denylist: the memory denylist prunes every retired
            // token on each write, so one chain as long as the whole run would measure its
            // own length. Then the pair a login would have handed out (untimed).
            sessions.denylist = Arc::new(MemoryDenylist::new());
            let now = chrono::Utc::now().timestamp();
            let client = sessions.policy.client_ids.default_client();
            let session = Session::start(now);
            let (first, _) = issue_token_pair(&ring, &sessions.policy, &user, session, client, now)
                .expect("the first pair");
            let mut token = first.refresh_token;
            let started = Instant::now();
            for _ in 0..iterations {
                token = runtime.block_on(refresh(&sessions, &ring, &token));
            }
            started.elapsed()
        })
    });
    group.finish();
}

criterion_group!(benches, refresh_flow);
criterion_main!(benches);
