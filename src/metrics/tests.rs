use super::*;
use crate::tokens::TokenError;

fn ring() -> (tempfile::TempDir, KeyRing) {
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now();
    crate::keys::generate::generate_key(
        dir.path(),
        crate::keys::generate::KeyAlgorithm::Es256,
        now,
    )
    .unwrap();
    let rotation = crate::keys::Rotation {
        jwks_max_age: 300,
        reload: 30,
    };
    let ring = KeyRing::load(dir.path(), rotation).unwrap();
    (dir, ring)
}

fn line_of<'a>(text: &'a str, series: &str) -> Option<&'a str> {
    text.lines().find(|line| line.starts_with(series))
}

#[test]
fn every_metric_registers_and_renders_its_help() {
    let (_dir, ring) = ring();
    let metrics = Metrics::new();
    metrics.observe_request("GET", "/healthz", 200, 0.001);
    metrics.observe_store("users", "by_id", 0.001, true);
    let text = metrics.render(&ring, 0);
    for name in [
        "authd_http_requests_total",
        "authd_http_request_duration_seconds",
        "authd_logins_total",
        "authd_refreshes_total",
        "authd_revocations_total",
        "authd_store_operation_duration_seconds",
        "authd_store_errors_total",
        "authd_hashing_workers",
        "authd_hashing_busy_workers",
        "authd_hashing_queue_depth",
        "authd_hashing_refused_total",
        "authd_keys",
        "authd_build_info",
    ] {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} missing:\n{text}"
        );
    }
}

#[test]
fn an_unknown_method_is_counted_as_other_so_series_stay_bounded() {
    let (_dir, ring) = ring();
    let metrics = Metrics::new();
    metrics.observe_request("BREW", "/healthz", 405, 0.001);
    metrics.observe_request("FOO", "/healthz", 405, 0.001);
    metrics.observe_request("GET", "/healthz", 200, 0.001);
    let text = metrics.render(&ring, 0);
    let other = r#"authd_http_requests_total{method="other",route="/healthz",status="405"} 2"#;
    assert!(text.contains(other), "{text}");
    assert!(!text.contains("BREW") && !text.contains("FOO"));
    let get = r#"authd_http_requests_total{method="GET",route="/healthz",status="200"} 1"#;
    assert!(text.contains(get), "{text}");
}

#[test]
fn the_only_key_is_shown_signing_with_its_algorithm() {
    let (_dir, ring) = ring();
    let kid = ring.kids().next().unwrap().to_owned();
    let text = Metrics::new().render(&ring, chrono::Utc::now().timestamp());
    let line = line_of(&text, "authd_keys{").unwrap();
    assert_eq!(
        line,
        format!(r#"authd_keys{{alg="ES256",kid="{kid}",state="signing"}} 1"#)
    );
}

#[test]
fn outcomes_are_counted_under_their_own_labels() {
    let (_dir, ring) = ring();
    let metrics = Metrics::new();
    metrics.count_login(LoginOutcome::InvalidCredentials);
    metrics.count_refresh(RefreshOutcome::Grace);
    metrics.count_refresh(RefreshOutcome::Grace);
    metrics.count_revocation(Revocation::Replay);
    let text = metrics.render(&ring, 0);
    assert!(text.contains(r#"authd_logins_total{outcome="invalid_credentials"} 1"#));
    assert!(text.contains(r#"authd_refreshes_total{outcome="grace"} 2"#));
    assert!(text.contains(r#"authd_revocations_total{reason="replay"} 1"#));
    assert!(text.contains(r#"authd_refreshes_total{outcome="rotated"} 0"#));
}

#[test]
fn an_expired_refresh_token_is_told_from_a_forged_one() {
    assert_eq!(
        RefreshOutcome::of_rejected(&TokenError::Expired),
        RefreshOutcome::Expired
    );
    assert_eq!(
        RefreshOutcome::of_rejected(&TokenError::UnknownKey),
        RefreshOutcome::Invalid
    );
}
