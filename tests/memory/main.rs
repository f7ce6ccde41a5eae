//! Memory bounds, measured as the growth of this process's resident set (a test binary of
//! its own, with one test, so nothing else allocates meanwhile). Freed blocks the allocator
//! keeps count too, so the figure is an upper bound: the revocation facts of 100,000
//! revoked sessions and users fit in the contract's ~16 MiB.

use authd::revocation::{Fact, RevocationSet, Revoked};
use uuid::Uuid;

const NOW: i64 = 1_900_000_000;

/// VmRSS of this process, bytes (Linux).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .expect("a VmRSS line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmRSS in kB");
    kib * 1024
}

#[test]
fn a_hundred_thousand_live_facts_take_under_16_mib() {
    let set = RevocationSet::new();
    let before = resident_bytes();

    for n in 0..100_000u64 {
        let id = Uuid::from_u128(u128::from(n) * 7_919 + 1);
        let revoked = if n % 2 == 0 {
            Revoked::Session { sid: id }
        } else {
            Revoked::User { sub: id, gen: 3 }
        };
        let fact = Fact {
            seq: n + 1,
            revoked,
            until: NOW + 930,
        };
        set.apply(fact, NOW);
    }

    let grown = resident_bytes().saturating_sub(before);
    println!(
        "100,000 revocation facts: resident set grew {:.1} MiB",
        grown as f64 / 1_048_576.0
    );
    assert_eq!(set.len(), 100_000);
    assert!(grown < 16 * 1024 * 1024, "{grown} bytes");
}
