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
    assert_eq!(set.cursor().position, 3, "three changes");
}

#[test]
fn an_expired_fact_is_not_taken_in_and_leaves_the_cursor() {
    let set = RevocationSet::new();
    assert!(!set.apply(session_fact(7, holder(0).sid, NOW - 1), NOW));
    assert!(set.is_empty());
    assert_eq!(set.cursor().position, 0);
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
        .snapshot(NOW + 11, None)
        .into_iter()
        .map(|news| news.fact.revoked)
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
    assert_eq!(set.snapshot(NOW + 10, None).len(), 2);
    assert!(set.snapshot(NOW + 11, None).is_empty());
}

#[test]
fn new_facts_reach_subscribers_and_repeats_do_not() {
    let set = RevocationSet::new();
    let mut news = set.subscribe();
    let fact = session_fact(1, holder(0).sid, NOW + 60);
    set.apply(fact, NOW);
    set.apply(fact, NOW);
    let first = news.try_recv().unwrap();
    assert_eq!(first.fact, fact);
    assert_eq!(first.cursor, set.cursor());
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
    let after_one = set.cursor();
    set.apply(user_fact(2, Uuid::from_u128(12), 1, NOW + 10), NOW);
    set.apply(session_fact(3, Uuid::from_u128(14), NOW + 10), NOW);
    let after_three = set.cursor();
    set.apply(user_fact(4, Uuid::from_u128(12), 2, NOW + 20), NOW);

    let since = |cursor| set.snapshot(NOW, Some(cursor));
    let seqs: Vec<u64> = since(after_one).iter().map(|news| news.fact.seq).collect();

    assert_eq!(seqs, [3, 4], "the user fact moved to its latest change");
    let latest = since(after_three);
    assert_eq!(latest.len(), 1);
    assert_eq!(
        latest[0].fact,
        user_fact(4, Uuid::from_u128(12), 2, NOW + 20)
    );
    assert_eq!(latest[0].cursor, set.cursor());
    assert!(since(set.cursor()).is_empty());
    assert_eq!(set.snapshot(NOW, None).len(), 3);
}

#[test]
fn a_fact_numbered_below_the_last_one_still_reaches_a_reader_with_a_cursor() {
    // A database may make fact 7 visible after fact 8 (its transaction committed later).
    let set = RevocationSet::new();
    set.apply(session_fact(8, Uuid::from_u128(10), NOW + 10), NOW);
    let cursor = set.cursor();
    set.apply(session_fact(7, Uuid::from_u128(11), NOW + 10), NOW);

    let news = set.snapshot(NOW, Some(cursor));

    assert_eq!(news.len(), 1);
    assert_eq!(news[0].fact.seq, 7);
}

#[test]
fn a_cursor_of_another_set_or_from_ahead_gets_everything() {
    let (set, other) = (RevocationSet::new(), RevocationSet::new());
    set.apply(session_fact(1, Uuid::from_u128(10), NOW + 10), NOW);
    set.apply(session_fact(2, Uuid::from_u128(11), NOW + 10), NOW);
    other.apply(session_fact(1, Uuid::from_u128(12), NOW + 10), NOW);
    assert_ne!(set.cursor().epoch, other.cursor().epoch);
    let ahead = Cursor {
        position: 3,
        ..set.cursor()
    };

    assert_eq!(set.snapshot(NOW, Some(other.cursor())).len(), 2);
    assert_eq!(set.snapshot(NOW, Some(ahead)).len(), 2);
    assert_eq!(set.snapshot(NOW, Some(set.cursor())).len(), 0);
}

#[test]
fn a_cursor_reads_back_as_written_and_nothing_else_reads() {
    let cursor = Cursor {
        epoch: 0x5f0c_3a9e_1b2d_4c6f,
        position: 42,
    };
    assert_eq!(cursor.to_string(), "5f0c3a9e1b2d4c6f-42");
    assert_eq!("5f0c3a9e1b2d4c6f-42".parse::<Cursor>(), Ok(cursor));
    assert_eq!("00000000000000ff-0".parse::<Cursor>().unwrap().epoch, 255);
    for bad in [
        "", "-", "12", "ff-", "-3", "ff-+3", "+ff-3", "fg-3", "ff-3x", "ff-3-4",
    ] {
        assert_eq!(bad.parse::<Cursor>(), Err(MalformedCursor), "{bad:?}");
    }
    let json = serde_json::to_string(&cursor).unwrap();
    assert_eq!(json, "\"5f0c3a9e1b2d4c6f-42\"");
    assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), cursor);
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

#[test]
fn a_session_fact_is_lengthened_by_a_later_one_and_never_shortened() {
    let set = RevocationSet::new();
    let sid = holder(0).sid;
    assert!(set.apply(session_fact(1, sid, NOW + 60), NOW));
    assert!(
        !set.apply(session_fact(2, sid, NOW + 30), NOW),
        "an earlier until"
    );
    assert!(set.revokes(&holder(0), NOW + 60));

    assert!(
        set.apply(session_fact(3, sid, NOW + 90), NOW),
        "a later until"
    );

    assert!(set.revokes(&holder(0), NOW + 90));
    assert!(!set.revokes(&holder(0), NOW + 91));
    assert_eq!(set.cursor().position, 2, "two changes");
    let held = set.snapshot(NOW, None);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].fact, session_fact(3, sid, NOW + 90));
}
