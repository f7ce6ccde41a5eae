use uuid::Uuid;

use super::*;

const NOW: i64 = 1_800_000_000;

fn holder(gen: i64) -> Holder {
    Holder {
        sub: Uuid::from_u128(1),
        sid: Uuid::from_u128(2),
        gen,
    }
}

fn session_fact(seq: u64, sid: Uuid, until: i64) -> Fact {
    Fact {
        seq,
        revoked: Revoked::Session { sid },
        until,
    }
}

fn user_fact(seq: u64, sub: Uuid, gen: i64, until: i64) -> Fact {
    Fact {
        seq,
        revoked: Revoked::User { sub, gen },
        until,
    }
}

#[test]
fn a_revoked_session_is_revoked_until_its_fact_ends_and_no_later() {
    let set = RevocationSet::new();
    assert!(set.apply(session_fact(1, holder(0).sid, NOW + 60), NOW));

    assert!(set.revokes(&holder(0), NOW));
    assert!(set.revokes(&holder(0), NOW + 60));
    assert!(!set.revokes(&holder(0), NOW + 61));
    let other = Holder {
        sid: Uuid::from_u128(3),
        ..holder(0)
    };
    assert!(!set.revokes(&other, NOW));
}

#[test]
fn a_user_fact_revokes_older_generations_only() {
    let set = RevocationSet::new();
    set.apply(user_fact(1, holder(0).sub, 4, NOW + 60), NOW);

    assert!(set.revokes(&holder(3), NOW));
    assert!(!set.revokes(&holder(4), NOW));
    assert!(!set.revokes(&holder(3), NOW + 61));
    let stranger = Holder {
        sub: Uuid::from_u128(9),
        ..holder(0)
    };
    assert!(!set.revokes(&stranger, NOW));
}

#[test]
fn facts_only_ever_strengthen() {
    let set = RevocationSet::new();
    let sub = holder(0).sub;
    assert!(set.apply(user_fact(1, sub, 4, NOW + 60), NOW));
    assert!(
        !set.apply(user_fact(2, sub, 2, NOW + 10), NOW),
        "a weaker fact"
    );
    assert!(set.revokes(&holder(3), NOW + 60));
    assert!(
        set.apply(user_fact(3, sub, 6, NOW + 30), NOW),
        "a newer generation"
    );
    assert!(
        set.revokes(&holder(5), NOW + 60),
        "the longer until is kept"
    );
    assert!(set.apply(session_fact(4, holder(0).sid, NOW + 5), NOW + 1));
    assert!(!set.apply(session_fact(5, holder(0).sid, NOW + 5), NOW + 1));
    assert_eq!(set.cursor(), 5);
}

#[test]
fn an_expired_fact_is_not_taken_in_but_moves_the_cursor() {
    let set = RevocationSet::new();
    assert!(!set.apply(session_fact(7, holder(0).sid, NOW - 1), NOW));
    assert!(set.is_empty());
    assert_eq!(set.cursor(), 7);
    assert!(set.apply(session_fact(8, holder(0).sid, NOW), NOW));
    assert_eq!(set.len(), 1);
    assert!(!set.is_empty());
}

#[test]
fn a_sweep_forgets_what_has_ended_and_keeps_the_rest() {
    let set = RevocationSet::new();
    set.apply(session_fact(1, Uuid::from_u128(10), NOW + 10), NOW);
    set.apply(session_fact(2, Uuid::from_u128(11), NOW + 100), NOW);
    set.apply(user_fact(3, Uuid::from_u128(12), 1, NOW + 10), NOW);
    set.apply(user_fact(4, Uuid::from_u128(13), 1, NOW + 100), NOW);

    set.sweep(NOW + 10);
    assert_eq!(set.len(), 4, "until is inclusive");
    set.sweep(NOW + 11);

    assert_eq!(set.len(), 2);
    let mut kept: Vec<_> = set
        .snapshot(NOW + 11, 0)
        .into_iter()
        .map(|f| f.revoked)
        .collect();
    kept.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(
        kept,
        [
            Revoked::Session {
                sid: Uuid::from_u128(11)
            },
            Revoked::User {
                sub: Uuid::from_u128(13),
                gen: 1
            },
        ]
    );
}

#[test]
fn the_snapshot_leaves_out_what_has_ended_before_any_sweep() {
    let set = RevocationSet::new();
    set.apply(session_fact(1, Uuid::from_u128(10), NOW + 10), NOW);
    set.apply(user_fact(2, Uuid::from_u128(12), 1, NOW + 10), NOW);
    assert_eq!(set.snapshot(NOW + 10, 0).len(), 2);
    assert!(set.snapshot(NOW + 11, 0).is_empty());
}

#[test]
fn new_facts_reach_subscribers_and_repeats_do_not() {
    let set = RevocationSet::new();
    let mut news = set.subscribe();
    let fact = session_fact(1, holder(0).sid, NOW + 60);
    set.apply(fact, NOW);
    set.apply(fact, NOW);
    assert_eq!(news.try_recv().unwrap(), fact);
    assert!(news.try_recv().is_err());
}

#[test]
fn a_fact_reads_and_writes_as_the_feed_shows_it() {
    let sid = Uuid::from_u128(2);
    let fact = session_fact(3, sid, NOW);
    let json = serde_json::to_value(fact).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"seq": 3, "sid": sid, "until": NOW})
    );
    let user = user_fact(4, sid, Revoked::DELETED, NOW);
    let json = serde_json::to_string(&user).unwrap();
    assert_eq!(serde_json::from_str::<Fact>(&json).unwrap(), user);
}

#[test]
fn covers_matches_the_set() {
    let session = Revoked::Session { sid: holder(0).sid };
    assert!(session.covers(&holder(0)));
    let user = Revoked::User {
        sub: holder(0).sub,
        gen: 1,
    };
    assert!(user.covers(&holder(0)));
    assert!(!user.covers(&holder(1)));
}

#[test]
fn the_snapshot_since_a_cursor_holds_only_what_changed_after_it_in_order() {
    let set = RevocationSet::new();
    set.apply(session_fact(1, Uuid::from_u128(10), NOW + 10), NOW);
    set.apply(user_fact(2, Uuid::from_u128(12), 1, NOW + 10), NOW);
    set.apply(session_fact(3, Uuid::from_u128(14), NOW + 10), NOW);
    set.apply(user_fact(4, Uuid::from_u128(12), 2, NOW + 20), NOW);

    let seqs: Vec<u64> = set.snapshot(NOW, 1).iter().map(|f| f.seq).collect();

    assert_eq!(seqs, [3, 4]);
    assert_eq!(
        set.snapshot(NOW, 3),
        [user_fact(4, Uuid::from_u128(12), 2, NOW + 20)]
    );
    assert_eq!(set.snapshot(NOW, 0).len(), 3);
}

#[test]
fn a_user_fact_changes_the_set_only_by_a_newer_generation_or_a_later_until() {
    let set = RevocationSet::new();
    let sub = holder(0).sub;
    assert!(set.apply(user_fact(1, sub, 4, NOW + 60), NOW));
    assert!(
        !set.apply(user_fact(2, sub, 4, NOW + 60), NOW),
        "the same fact again"
    );
    assert!(
        set.apply(user_fact(3, sub, 4, NOW + 90), NOW),
        "the same generation, later"
    );
    assert!(set.revokes(&holder(3), NOW + 90));
    assert!(
        set.apply(user_fact(4, sub, 5, NOW + 90), NOW),
        "a newer generation, as long"
    );
    assert!(set.revokes(&holder(4), NOW + 90));
    assert!(!set.apply(user_fact(5, sub, 5, NOW + 90), NOW));
}
