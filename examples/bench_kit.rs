//! What `make bench` (benches/bench.py) needs from authd's library, beside the HTTP runs.
//! Settings come from the same `AUTHD_*` variables the benchmarked server gets; each
//! command prints one JSON line.
//!
//! - `bench_kit mint N FILE`: N valid access tokens, each of its own session, signed with
//!   `issue_access_token` by the signing key of `AUTHD_KEYS_DIR`, one a line: the distinct
//!   tokens of the `/auth/me` figure, minted offline so that 4,000 of them need no login.
//! - `bench_kit argon2 SECONDS`: the median time of one password verification at the
//!   `AUTHD_ARGON2` cost, in memory reused from hash to hash as the pool's workers do: the
//!   login bound is the hash workers ÷ this time.
//! - `bench_kit storage SECONDS CONCURRENCY`: the storage bound of a refresh. The store
//!   calls a refresh makes (`UserStore::by_id`, then `RefreshDenylist::rotate`: the same
//!   statements, or the same Lua script, as the server runs) looped by CONCURRENCY tasks on
//!   one thread, with no HTTP and no crypto, against `AUTHD_DATABASE_URL` (and
//!   `AUTHD_REDIS_URL` when set); rotations per second.
//! - `bench_kit revoke N`: records N live session facts (random sids, in force as long as a
//!   logout's: `TokenPolicy::revocation_until`) in the revocation store the server of these
//!   settings reads at start (`AUTHD_REDIS_URL`'s when set, else `AUTHD_DATABASE_URL`'s):
//!   the crowded set of the revocation figure. No token of `mint` is of these sessions.

use std::time::{Duration, Instant};

use anyhow::Context;
use authd::cli::Cli;
use authd::domain::{Email, Password};
use authd::hashing::Memory;
use authd::keys::generate::{generate_key, KeyAlgorithm};
use authd::keys::KeyStore;
use authd::revocation::Revoked;
use authd::sessions::issue_token_pair;
use authd::settings::Settings;
use authd::store::{connect_stores, NewUser, Retirement, Rotation};
use authd::tokens::{issue_access_token, seal_successor, Session, Subject, TokenPolicy};
use clap::Parser;
use uuid::Uuid;

const USAGE: &str =
    "usage: bench_kit mint N FILE | argon2 SECONDS | storage SECONDS CONCURRENCY | revoke N";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    authd::install_crypto_provider();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = Cli::try_parse_from(["authd"])
        .context("the AUTHD_* settings")?
        .settings;
    let number = |i: usize| -> anyhow::Result<f64> {
        args.get(i)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow::anyhow!(USAGE))
    };
    match args.first().map(String::as_str) {
        Some("mint") => {
            let file = args.get(2).ok_or_else(|| anyhow::anyhow!(USAGE))?;
            mint(&settings, number(1)? as usize, file)
        }
        Some("argon2") => argon2(&settings, number(1)?),
        Some("storage") => storage(&settings, number(1)?, number(2)? as usize).await,
        Some("revoke") => revoke(&settings, number(1)? as usize).await,
        _ => anyhow::bail!(USAGE),
    }
}

fn mint(settings: &Settings, count: usize, file: &str) -> anyhow::Result<()> {
    let keys = KeyStore::from_settings(&settings.keys).context("AUTHD_KEYS_DIR")?;
    let ring = keys.current();
    let policy = TokenPolicy::new(&settings.tokens);
    let client = policy.client_ids.default_client();
    let now = chrono::Utc::now().timestamp();
    let mut out = String::new();
    for n in 0..count {
        let email = format!("bench-{n}@example.com");
        let subject = Subject {
            id: Uuid::now_v7(),
            email: &email,
            roles: &[],
            generation: 0,
        };
        let (token, _) =
            issue_access_token(&ring, &policy, subject, Session::start(now), client, now)?;
        out.push_str(&token);
        out.push('\n');
    }
    std::fs::write(file, out).with_context(|| format!("writing {file}"))?;
    println!("{{\"minted\":{count}}}");
    Ok(())
}

fn argon2(settings: &Settings, seconds: f64) -> anyhow::Result<()> {
    let cost = settings.hashing.argon2;
    let password = Password::presented("correct horse battery staple")
        .ok_or_else(|| anyhow::anyhow!("the sample password"))?;
    let stored = cost.hash(&password)?;
    let mut memory = Memory::default();
    // The first verification allocates the memory; a pool worker pays that once.
    anyhow::ensure!(cost.verify_in(&mut memory, &password, &stored).matches);
    let (started, mut times) = (Instant::now(), Vec::new());
    while times.len() < 5 || (started.elapsed().as_secs_f64() < seconds && times.len() < 1000) {
        let at = Instant::now();
        let verified = cost.verify_in(&mut memory, &password, &stored);
        times.push(at.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(verified.matches, "the password no longer verifies");
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!("{{\"median_ms\":{median:.4},\"samples\":{}}}", times.len());
    Ok(())
}

async fn storage(settings: &Settings, seconds: f64, concurrency: usize) -> anyhow::Result<()> {
    let stores = connect_stores(&settings.database, &settings.redis).await?;
    let policy = TokenPolicy::new(&settings.tokens);
    let email = Email::parse(&format!("bound-{}@example.com", Uuid::new_v4().simple()))?;
    let user = stores
        .users
        .insert(&NewUser::new(email, "$argon2id$unused".into(), vec![]))
        .await?;
    let successor = sealed_pair_like_the_servers(&policy, &user)?;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (users, denylist) = (stores.users.clone(), stores.denylist.clone());
        let (user_id, successor, policy) = (user.id, successor.clone(), policy.clone());
        tasks.spawn(async move {
            // One session per task, as each HTTP connection refreshes its own chain.
            let session = Session::start(chrono::Utc::now().timestamp());
            let mut rotations = 0u64;
            while Instant::now() < deadline {
                let now = chrono::Utc::now().timestamp();
                let user = users.by_id(user_id).await?.context("the user is gone")?;
                let retirement = Retirement {
                    jti: Uuid::new_v4(),
                    sid: session.sid,
                    jti_expires_at: now + policy.refresh_ttl + policy.leeway,
                    session_expires_at: session.ends_at(&policy) + policy.leeway,
                    successor: (policy.reuse_grace > 0)
                        .then(|| (successor.clone(), now + policy.reuse_grace)),
                    attempt: Uuid::new_v4(),
                };
                let rotation = denylist.rotate(&retirement, now).await?;
                anyhow::ensure!(rotation == Rotation::Rotated, "{rotation:?}");
                std::hint::black_box(user);
                rotations += 1;
            }
            anyhow::Ok(rotations)
        });
    }
    let mut rotations = 0;
    while let Some(done) = tasks.join_next().await {
        rotations += done??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{{\"rotations\":{rotations},\"seconds\":{elapsed:.3},\"per_second\":{:.1}}}",
        rotations as f64 / elapsed
    );
    Ok(())
}

async fn revoke(settings: &Settings, count: usize) -> anyhow::Result<()> {
    let store = connect_stores(&settings.database, &settings.redis)
        .await?
        .revocations;
    let policy = TokenPolicy::new(&settings.tokens);
    let now = chrono::Utc::now().timestamp();
    let until = policy.revocation_until(now);
    for _ in 0..count {
        let revoked = Revoked::Session {
            sid: Uuid::new_v4(),
        };
        store.record(revoked, until, now).await?;
    }
    let last_seq = store.last_seq().await?;
    println!("{{\"revoked\":{count},\"until\":{until},\"last_seq\":{last_seq}}}");
    Ok(())
}

/// A successor pair sealed as the server seals it, made once (the loop does no crypto) so
/// that each rotation stores a value of the real size.
fn sealed_pair_like_the_servers(
    policy: &TokenPolicy,
    user: &authd::store::User,
) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    generate_key(dir.path(), KeyAlgorithm::Es256, chrono::Utc::now())?;
    let ring = KeyStore::open(dir.path(), 300)?.current();
    let now = chrono::Utc::now().timestamp();
    let client = policy.client_ids.default_client();
    let (pair, _) = issue_token_pair(&ring, policy, user, Session::start(now), client, now)?;
    seal_successor(&pair.refresh_token, &pair).context("sealing the sample pair")
}
