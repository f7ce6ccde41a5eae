//! The cache policy (RFC 9111 freshness, the floor and the ceiling, the retry back-off)
//! and the once-per-interval rule for unknown kids, on times passed in.

use std::time::Duration;

use crate::keys::remote::policy::{fresh_for, Admission, RefreshPolicy, UnknownKidGate};

fn secs(n: u64) -> Option<Duration> {
    Some(Duration::from_secs(n))
}

#[test]
fn an_answer_is_fresh_for_its_max_age_less_its_age() {
    assert_eq!(fresh_for(["public, max-age=300"], None), secs(300));
    assert_eq!(fresh_for(["public, max-age=300"], Some("100")), secs(200));
    assert_eq!(fresh_for(["max-age=300"], Some("400")), secs(0));
    assert_eq!(fresh_for(["max-age=300"], Some("soon")), secs(300));
}

#[test]
fn directive_names_are_case_insensitive_values_may_be_quoted_and_fields_add_up() {
    assert_eq!(fresh_for(["Public, MAX-AGE=60"], None), secs(60));
    assert_eq!(fresh_for(["max-age=\"60\""], None), secs(60));
    assert_eq!(fresh_for(["public", "max-age=60"], None), secs(60));
    assert_eq!(fresh_for([" max-age = 60 "], None), secs(60));
}

#[test]
fn the_first_max_age_counts_and_a_quoted_comma_splits_nothing() {
    assert_eq!(fresh_for(["max-age=60, max-age=600"], None), secs(60));
    assert_eq!(fresh_for(["max-age=60", "max-age=600"], None), secs(60));
    assert_eq!(
        fresh_for(["private=\"a, max-age=1\", max-age=60"], None),
        secs(60)
    );
    assert_eq!(
        fresh_for(["no-cache=\"set-cookie, no-store\", max-age=60"], None),
        secs(60)
    );
}

#[test]
fn no_store_no_cache_and_a_max_age_that_does_not_parse_are_stale() {
    for field in [
        "no-store",
        "public, no-cache",
        "max-age=60, NO-STORE",
        "max-age=abc",
        "max-age=-1",
        "max-age=",
        "max-age",
        "max-age=1.5",
    ] {
        assert_eq!(fresh_for([field], None), secs(0), "{field}");
    }
}

#[test]
fn an_answer_that_states_no_max_age_has_no_stated_freshness() {
    assert_eq!(fresh_for([], None), None);
    assert_eq!(fresh_for(["public", "s-maxage=60"], Some("5")), None);
}

#[test]
fn a_max_age_too_long_to_count_is_a_very_long_time() {
    let field = "max-age=99999999999999999999999";

    assert_eq!(fresh_for([field], None), secs(u64::MAX));
}

#[test]
fn the_wait_after_a_success_is_its_freshness_between_the_floor_and_the_ceiling() {
    let policy = RefreshPolicy::default();

    assert_eq!(policy.after_success(None), Duration::from_secs(30));
    assert_eq!(policy.after_success(secs(0)), Duration::from_secs(30));
    assert_eq!(policy.after_success(secs(29)), Duration::from_secs(30));
    assert_eq!(policy.after_success(secs(300)), Duration::from_secs(300));
    assert_eq!(policy.after_success(secs(3600)), Duration::from_secs(3600));
    assert_eq!(
        policy.after_success(secs(u64::MAX)),
        Duration::from_secs(3600)
    );
}

#[test]
fn a_floor_above_the_ceiling_wins() {
    let policy = RefreshPolicy {
        min_refresh: Duration::from_secs(600),
        max_refresh: Duration::from_secs(60),
        ..RefreshPolicy::default()
    };

    assert_eq!(policy.after_success(secs(3600)), Duration::from_secs(600));
    assert_eq!(policy.after_success(secs(1)), Duration::from_secs(600));
}

#[test]
fn failed_fetches_are_retried_after_one_second_doubling_up_to_the_floor() {
    let policy = RefreshPolicy::default();
    let waits: Vec<u64> = (1..=7)
        .map(|failures| policy.after_failure(failures).as_secs())
        .collect();

    assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
    assert_eq!(policy.after_failure(u32::MAX), Duration::from_secs(30));
}

#[test]
fn a_zero_floor_still_waits_ten_milliseconds() {
    let policy = RefreshPolicy {
        min_refresh: Duration::ZERO,
        max_refresh: Duration::ZERO,
        ..RefreshPolicy::default()
    };

    assert_eq!(policy.after_success(secs(0)), Duration::from_millis(10));
    assert_eq!(policy.after_failure(1), Duration::from_millis(10));
}

fn gate() -> UnknownKidGate {
    UnknownKidGate::new(Duration::from_secs(30))
}

#[test]
fn an_unknown_kid_asks_for_the_next_fetch_to_start() {
    let mut idle = gate();
    let mut busy = gate();

    assert_eq!(idle.admit(1_000, 1, 1), Admission::Fetch(2));
    // One fetch is running (2 begun, 1 ended): it may have read the set too early.
    assert_eq!(busy.admit(1_000, 2, 1), Admission::Fetch(3));
}

#[test]
fn requests_while_the_asked_for_fetch_has_not_ended_join_it() {
    let mut gate = gate();
    assert_eq!(gate.admit(1_000, 1, 1), Admission::Fetch(2));

    assert_eq!(gate.admit(1_001, 1, 1), Admission::Join(2));
    assert_eq!(gate.admit(1_500, 2, 1), Admission::Join(2));
}

#[test]
fn once_the_fetch_ended_unknown_kids_are_refused_until_the_interval_is_over() {
    let mut gate = gate();
    assert_eq!(gate.admit(1_000, 1, 1), Admission::Fetch(2));

    assert_eq!(gate.admit(1_200, 2, 2), Admission::Refuse);
    assert_eq!(gate.admit(30_999, 2, 2), Admission::Refuse);
    assert_eq!(gate.admit(31_000, 2, 2), Admission::Fetch(3));
    assert_eq!(gate.admit(31_001, 2, 2), Admission::Join(3));
}

#[test]
fn a_fetch_that_never_ends_is_asked_for_again_after_the_interval() {
    let mut gate = gate();
    assert_eq!(gate.admit(1_000, 1, 1), Admission::Fetch(2));

    assert_eq!(gate.admit(30_999, 1, 1), Admission::Join(2));
    assert_eq!(gate.admit(31_000, 1, 1), Admission::Fetch(2));
}

#[test]
fn a_time_before_the_last_ask_counts_as_within_the_interval() {
    let mut gate = gate();
    assert_eq!(gate.admit(50_000, 1, 1), Admission::Fetch(2));

    assert_eq!(gate.admit(10_000, 2, 2), Admission::Refuse);
}
