//! Property-based fuzzing of authd's attack surface, on stable Rust (proptest).
//!
//! Four targets: the `Authorization` header parser, access-token verification, refresh-token
//! verification, and the JSON bodies of register/login/refresh/logout against a real server.
//! Each runs for `FUZZ_SECONDS` (default 5, so `cargo test` stays quick; `make fuzz` runs
//! 60 per target), with a seed from `FUZZ_SEED` or the clock, printed so a failure can be
//! replayed. A failure (a wrong answer or a panic) is shrunk to a minimal input by proptest
//! and fails the test.

mod bearer;
mod bodies;
mod json;
mod tokens;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseResult, TestRng, TestRunner};

/// How long each target runs.
fn budget() -> Duration {
    let seconds = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(5.0);
    Duration::from_secs_f64(seconds.max(0.1))
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// Runs `property` on values of `strategy` in batches until the budget is spent; panics
/// with the minimal failing input on the first failure. Prints the executions run.
pub fn fuzz<S: Strategy>(name: &str, strategy: S, property: impl Fn(S::Value) -> TestCaseResult) {
    let seed = seed();
    let deadline = Instant::now() + budget();
    let started = Instant::now();
    let executions = AtomicU64::new(0);
    let counted = |value: S::Value| {
        executions.fetch_add(1, Ordering::Relaxed);
        property(value)
    };
    let mut batch = 0u64;
    while Instant::now() < deadline {
        let batch_seed = seed.wrapping_add(batch);
        let bytes: Vec<u8> = batch_seed.to_le_bytes().repeat(4);
        let config = Config {
            cases: 64,
            failure_persistence: None,
            max_shrink_iters: 2_000,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
        if let Err(failure) = runner.run(&strategy, counted) {
            panic!(
                "fuzz {name}: FAILED after {} executions (FUZZ_SEED={batch_seed}): {failure}",
                executions.load(Ordering::Relaxed)
            );
        }
        batch += 1;
    }
    println!(
        "fuzz {name}: {} executions in {:.1} s, 0 failures (FUZZ_SEED={seed})",
        executions.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
}
