//! Account enumeration through login (OWASP authentication cheat sheet, "Authentication and
//! error messages"; ASVS 5.0 V6.3): a wrong password and an unknown account get the same
//! status, body and headers, in comparable time (a missing account still pays one argon2
//! verification).

use std::time::{Duration, Instant};

use reqwest::Response;

use super::{spawn_target_with, VICTIM};
use crate::helpers::PASSWORD;

/// Status, header names and values (less `date`), and body bytes of a response.
async fn fingerprint(response: Response) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str() != "date")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("?").to_owned()))
        .collect();
    headers.sort();
    let body = response.bytes().await.unwrap().to_vec();
    (status, headers, body)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_look_the_same() {
    // A costlier hash than the other tests use, so argon2 dominates the timing.
    let target = spawn_target_with(|s| s.hashing.argon2 = "m=4096,t=1,p=1".parse().unwrap()).await;
    let app = &target.app;
    let wrong = "not the right password at all";
    let known = fingerprint(app.login(VICTIM, wrong).await).await;
    assert_eq!(known.0, 401);
    let body: serde_json::Value = serde_json::from_slice(&known.2).unwrap();
    assert_eq!(body["error"], "invalid_credentials");
    for (name, email, password) in [
        ("unknown account", "nobody@example.com", wrong),
        (
            "unknown account, right password",
            "nobody@example.com",
            PASSWORD,
        ),
        ("unknown account, upper case", "NOBODY@EXAMPLE.COM", wrong),
        ("malformed address", "not an address", wrong),
        (
            "known account, case-folded, wrong password",
            "VICTIM@example.com",
            wrong,
        ),
    ] {
        let other = fingerprint(app.login(email, password).await).await;
        assert_eq!(other.0, known.0, "{name}: status");
        assert_eq!(other.1, known.1, "{name}: headers");
        assert_eq!(
            String::from_utf8_lossy(&other.2),
            String::from_utf8_lossy(&known.2),
            "{name}: body"
        );
    }
    // Timing: interleaved, so load from other tests hits both alike.
    let (mut known_times, mut unknown_times) = (Vec::new(), Vec::new());
    for round in 0..9 {
        for (email, times) in [
            (VICTIM, &mut known_times),
            ("nobody@example.com", &mut unknown_times),
        ] {
            let started = Instant::now();
            let response = app.login(email, wrong).await;
            times.push(started.elapsed());
            assert_eq!(response.status(), 401, "round {round}, {email}");
        }
    }
    let (known, unknown) = (median(known_times), median(unknown_times));
    let ratio = known.as_secs_f64() / unknown.as_secs_f64();
    assert!(
        (1.0 / 3.0..=3.0).contains(&ratio),
        "median wrong-password login {known:?} vs unknown-account login {unknown:?}"
    );
    // And the hash does dominate: a login pays for argon2, not just a lookup.
    let mut health_times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        health_times.push(started.elapsed());
    }
    let baseline = median(health_times);
    assert!(
        unknown > baseline,
        "an unknown-account login ({unknown:?}) costs more than /healthz ({baseline:?})"
    );
    target.assert_unharmed().await;
}
