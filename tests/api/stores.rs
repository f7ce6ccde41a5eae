//! The store contracts, run against every backend: the user store on SQLite,
//! PostgreSQL and memory; the refresh denylist on SQLite, PostgreSQL, Redis and memory.

use std::sync::Arc;
use std::time::Duration;

use authd::domain::{Email, Role};
use authd::store::{
    InsertUserError, NewUser, PostgresStore, RedisConnection, RedisDenylist, RefreshDenylist,
    Retirement, Rotation, SqliteStore, UserStore,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::backing::{RedisPrefix, TestDatabase, SHARED_REDIS};

const NOW: i64 = 1_900_000_000;

async fn sqlite_store() -> (Arc<SqliteStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("authd.db").display());
    let store = SqliteStore::connect(&url, 5).await.expect("sqlite");
    (Arc::new(store), dir)
}

async fn postgres_store() -> (Arc<PostgresStore>, TestDatabase) {
    let db = TestDatabase::create().await;
    let store = PostgresStore::connect(&db.url, 20).await.expect("postgres");
    (Arc::new(store), db)
}

fn redis_denylist() -> (Arc<RedisDenylist>, RedisPrefix) {
    let prefix = RedisPrefix::new();
    let redis = RedisConnection::open(SHARED_REDIS, &prefix.prefix, Duration::from_secs(2))
        .expect("redis url");
    (Arc::new(RedisDenylist::new(redis)), prefix)
}

/// One test per backend for each behaviour named; `memory` and `redis` only for the
/// denylist. Redis keeps time itself, so tests that move `now` skip it (see `redis_keys`).
macro_rules! on_backends {
    (users: $($behaviour:ident),* $(,)?) => {$(
        mod $behaviour {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let (store, _dir) = super::sqlite_store().await;
                super::$behaviour(store).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let (store, _db) = super::postgres_store().await;
                super::$behaviour(store).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn memory() {
                super::$behaviour(std::sync::Arc::new(authd::store::MemoryUserStore::new())).await
            }
        }
    )*};
    (denylists moved in time: $($behaviour:ident),* $(,)?) => {$(
        mod $behaviour {
            on_backends!(@sql_and_memory super::$behaviour);
        }
    )*};
    (denylists: $($behaviour:ident),* $(,)?) => {$(
        mod $behaviour {
            on_backends!(@sql_and_memory super::$behaviour);
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn redis() {
                let (store, _prefix) = super::redis_denylist();
                super::$behaviour(store).await
            }
        }
    )*};
    (@sql_and_memory $behaviour:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn sqlite() {
            let (store, _dir) = super::sqlite_store().await;
            $behaviour(store).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn postgres() {
            let (store, _db) = super::postgres_store().await;
            $behaviour(store).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn memory() {
            $behaviour(std::sync::Arc::new(authd::store::MemoryDenylist::new())).await
        }
    };
}

on_backends!(users:
    a_user_reads_back_as_it_was_stored,
    an_email_is_taken_once,
    users_list_oldest_first_with_the_total,
    logout_all_and_password_changes_bump_the_generation,
    a_hash_upgrade_never_undoes_a_password_change,
    roles_are_replaced_whole_and_only_for_that_user,
    a_deleted_user_is_gone_and_the_others_stay,
);

on_backends!(denylists:
    a_second_rotation_is_a_replay_that_revokes_the_session,
    a_retry_within_the_grace_window_gets_the_same_successor,
    a_revoked_session_cannot_rotate,
    sixteen_concurrent_rotations_have_exactly_one_winner,
    sixteen_concurrent_retries_with_grace_get_one_pair,
    only_the_sessions_newest_retired_token_gets_its_successor,
    revoking_one_session_leaves_another_rotating,
    tokens_of_two_sessions_are_retired_apart,
    the_successors_of_two_sessions_are_kept_apart,
);

on_backends!(denylists moved in time:
    retired_tokens_and_revocations_are_forgotten_after_they_expire,
    a_successor_is_not_handed_out_after_the_grace_window,
    a_shorter_revocation_never_shortens_a_longer_one,
);

fn new_user(email: &str, created_at: DateTime<Utc>) -> NewUser {
    let roles = vec![Role::parse("admin").unwrap(), Role::parse("ops").unwrap()];
    let mut user = NewUser::new(Email::parse(email).unwrap(), "hash-1".into(), roles);
    user.created_at = created_at;
    user
}

fn micros(at: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at).unwrap()
}

async fn a_user_reads_back_as_it_was_stored(store: Arc<dyn UserStore>) {
    let new = new_user("reader@example.com", micros(1_700_000_000_123_456));
    let inserted = store.insert(&new).await.unwrap();
    for found in [
        store.by_id(new.id).await.unwrap().expect("by id"),
        store.by_email(&new.email).await.unwrap().expect("by email"),
    ] {
        assert_eq!(found.id, inserted.id);
        assert_eq!(found.email.as_str(), "reader@example.com");
        assert_eq!(found.password_hash, "hash-1");
        assert_eq!(
            found.roles.iter().map(Role::as_str).collect::<Vec<_>>(),
            vec!["admin", "ops"]
        );
        assert_eq!(found.generation, 0);
        assert_eq!(found.created_at, new.created_at);
    }
    assert!(store.by_id(Uuid::new_v4()).await.unwrap().is_none());
    store.check().await.unwrap();
}

async fn an_email_is_taken_once(store: Arc<dyn UserStore>) {
    store
        .insert(&new_user("once@example.com", Utc::now()))
        .await
        .unwrap();
    let again = store
        .insert(&new_user("once@example.com", Utc::now()))
        .await;
    assert!(
        matches!(again, Err(InsertUserError::EmailTaken)),
        "{again:?}"
    );
    assert_eq!(store.list(10, 0).await.unwrap().1, 1);
}

async fn users_list_oldest_first_with_the_total(store: Arc<dyn UserStore>) {
    let base = 1_700_000_000_000_000;
    // Inserted out of order: the list follows created_at, not insertion.
    for (email, offset) in [
        ("c@example.com", 2),
        ("a@example.com", 0),
        ("b@example.com", 1),
    ] {
        store
            .insert(&new_user(email, micros(base + offset)))
            .await
            .unwrap();
    }
    let (first, total) = store.list(2, 0).await.unwrap();
    let emails: Vec<_> = first.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails, ["a@example.com", "b@example.com"]);
    assert_eq!(total, 3);
    let (rest, total) = store.list(2, 2).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].email.as_str(), "c@example.com");
    assert_eq!(total, 3);
    assert!(store.list(2, 10).await.unwrap().0.is_empty());
}

async fn logout_all_and_password_changes_bump_the_generation(store: Arc<dyn UserStore>) {
    let user = store
        .insert(&new_user("gen@example.com", Utc::now()))
        .await
        .unwrap();
    store.bump_generation(user.id).await.unwrap();
    assert_eq!(store.by_id(user.id).await.unwrap().unwrap().generation, 1);
    store.change_password(user.id, "hash-2").await.unwrap();
    let changed = store.by_id(user.id).await.unwrap().unwrap();
    assert_eq!(changed.generation, 2);
    assert_eq!(changed.password_hash, "hash-2");
}

async fn a_hash_upgrade_never_undoes_a_password_change(store: Arc<dyn UserStore>) {
    let user = store
        .insert(&new_user("upgrade@example.com", Utc::now()))
        .await
        .unwrap();
    store.change_password(user.id, "hash-2").await.unwrap();
    // An upgrade computed from the old hash arrives late: it must not apply.
    store
        .upgrade_password_hash(user.id, "hash-1", "hash-1-stronger")
        .await
        .unwrap();
    assert_eq!(
        store.by_id(user.id).await.unwrap().unwrap().password_hash,
        "hash-2"
    );
    store
        .upgrade_password_hash(user.id, "hash-2", "hash-2-stronger")
        .await
        .unwrap();
    let upgraded = store.by_id(user.id).await.unwrap().unwrap();
    assert_eq!(upgraded.password_hash, "hash-2-stronger");
    assert_eq!(
        upgraded.generation, 1,
        "an upgrade is not a password change"
    );
}

async fn roles_are_replaced_whole_and_only_for_that_user(store: Arc<dyn UserStore>) {
    let user = store
        .insert(&new_user("roles@example.com", Utc::now()))
        .await
        .unwrap();
    let other = store
        .insert(&new_user("other@example.com", Utc::now()))
        .await
        .unwrap();
    let role_names = |user: &authd::store::User| {
        user.roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect::<Vec<_>>()
    };

    let billing = [Role::parse("billing:read").unwrap()];
    assert!(store.set_roles(user.id, &billing).await.unwrap());
    let replaced = store.by_id(user.id).await.unwrap().unwrap();
    assert!(store.set_roles(other.id, &[]).await.unwrap());
    let emptied = store.by_id(other.id).await.unwrap().unwrap();

    assert_eq!(role_names(&replaced), ["billing:read"]);
    assert_eq!(
        replaced.generation, 0,
        "new roles reach the next refresh as they are"
    );
    assert!(role_names(&emptied).is_empty());
    assert!(!store.set_roles(Uuid::new_v4(), &billing).await.unwrap());
}

async fn a_deleted_user_is_gone_and_the_others_stay(store: Arc<dyn UserStore>) {
    let gone = store
        .insert(&new_user("gone@example.com", Utc::now()))
        .await
        .unwrap();
    let stays = store
        .insert(&new_user("stays@example.com", Utc::now()))
        .await
        .unwrap();

    assert!(store.delete(gone.id).await.unwrap());

    assert!(store.by_id(gone.id).await.unwrap().is_none());
    assert!(store.by_email(&gone.email).await.unwrap().is_none());
    assert!(store.by_id(stays.id).await.unwrap().is_some());
    assert_eq!(store.list(10, 0).await.unwrap().1, 1);
    assert!(!store.delete(gone.id).await.unwrap(), "deleted once");
    // The email is free again: a new account, with a new id.
    let again = store
        .insert(&new_user("gone@example.com", Utc::now()))
        .await
        .unwrap();
    assert_ne!(again.id, gone.id);
}

fn retirement(sid: Uuid, successor: Option<(&str, i64)>) -> Retirement {
    Retirement {
        jti: Uuid::new_v4(),
        sid,
        jti_expires_at: NOW + 600,
        session_expires_at: NOW + 3_600,
        successor: successor.map(|(pair, until)| (pair.to_owned(), until)),
        attempt: Uuid::new_v4(),
    }
}

async fn a_second_rotation_is_a_replay_that_revokes_the_session(d: Arc<dyn RefreshDenylist>) {
    let sid = Uuid::new_v4();
    let first = retirement(sid, None);
    assert_eq!(d.rotate(&first, NOW).await.unwrap(), Rotation::Rotated);
    assert_eq!(d.rotate(&first, NOW + 1).await.unwrap(), Rotation::Replayed);
    // The successor of the first token is dead too: the whole session is revoked.
    let successor = retirement(sid, None);
    assert_eq!(
        d.rotate(&successor, NOW + 2).await.unwrap(),
        Rotation::SessionRevoked
    );
    // Other sessions are untouched.
    let other = retirement(Uuid::new_v4(), None);
    assert_eq!(d.rotate(&other, NOW + 2).await.unwrap(), Rotation::Rotated);
    d.check().await.unwrap();
}

async fn a_retry_within_the_grace_window_gets_the_same_successor(d: Arc<dyn RefreshDenylist>) {
    let sid = Uuid::new_v4();
    let r = retirement(sid, Some(("{\"pair\":1}", NOW + 30)));
    assert_eq!(d.rotate(&r, NOW).await.unwrap(), Rotation::Rotated);
    assert_eq!(
        d.rotate(&r, NOW + 5).await.unwrap(),
        Rotation::Reused("{\"pair\":1}".into())
    );
    // A reuse revokes nothing: the successor still rotates.
    let next = retirement(sid, None);
    assert_eq!(d.rotate(&next, NOW + 6).await.unwrap(), Rotation::Rotated);
}

async fn only_the_sessions_newest_retired_token_gets_its_successor(d: Arc<dyn RefreshDenylist>) {
    let sid = Uuid::new_v4();
    let first = retirement(sid, Some(("first successor", NOW + 30)));
    let second = retirement(sid, Some(("second successor", NOW + 30)));
    assert_eq!(d.rotate(&first, NOW).await.unwrap(), Rotation::Rotated);
    assert_eq!(d.rotate(&second, NOW + 1).await.unwrap(), Rotation::Rotated);
    assert_eq!(
        d.rotate(&second, NOW + 2).await.unwrap(),
        Rotation::Reused("second successor".into())
    );
    // The first token is two rotations old: presenting it again is a replay.
    assert_eq!(d.rotate(&first, NOW + 3).await.unwrap(), Rotation::Replayed);
}

// Two sessions share one store (and, on Redis, one keyspace): what happens to the one must
// not reach the other.

async fn revoking_one_session_leaves_another_rotating(d: Arc<dyn RefreshDenylist>) {
    let (revoked, live) = (Uuid::new_v4(), Uuid::new_v4());
    d.revoke_session(revoked, NOW + 3_600, NOW).await.unwrap();
    assert_eq!(
        d.rotate(&retirement(live, None), NOW).await.unwrap(),
        Rotation::Rotated
    );
    assert_eq!(
        d.rotate(&retirement(revoked, None), NOW).await.unwrap(),
        Rotation::SessionRevoked
    );
}

async fn tokens_of_two_sessions_are_retired_apart(d: Arc<dyn RefreshDenylist>) {
    let a = retirement(Uuid::new_v4(), None);
    let b = retirement(Uuid::new_v4(), None);
    assert_eq!(d.rotate(&a, NOW).await.unwrap(), Rotation::Rotated);
    assert_eq!(
        d.rotate(&b, NOW).await.unwrap(),
        Rotation::Rotated,
        "retiring a's token retired b's"
    );
    // b's replay revokes b's session only: a's successor still rotates.
    assert_eq!(d.rotate(&b, NOW + 1).await.unwrap(), Rotation::Replayed);
    assert_eq!(
        d.rotate(&retirement(a.sid, None), NOW + 2).await.unwrap(),
        Rotation::Rotated
    );
}

async fn the_successors_of_two_sessions_are_kept_apart(d: Arc<dyn RefreshDenylist>) {
    let a = retirement(Uuid::new_v4(), Some(("a's successor", NOW + 30)));
    let b = retirement(Uuid::new_v4(), Some(("b's successor", NOW + 30)));
    assert_eq!(d.rotate(&a, NOW).await.unwrap(), Rotation::Rotated);
    assert_eq!(d.rotate(&b, NOW).await.unwrap(), Rotation::Rotated);
    // A retry of each gets its own successor: b's rotation did not replace a's.
    assert_eq!(
        d.rotate(&a, NOW + 1).await.unwrap(),
        Rotation::Reused("a's successor".into())
    );
    assert_eq!(
        d.rotate(&b, NOW + 1).await.unwrap(),
        Rotation::Reused("b's successor".into())
    );
}

async fn a_revoked_session_cannot_rotate(d: Arc<dyn RefreshDenylist>) {
    let sid = Uuid::new_v4();
    d.revoke_session(sid, NOW + 3_600, NOW).await.unwrap();
    let r = retirement(sid, Some(("pair", NOW + 30)));
    assert_eq!(d.rotate(&r, NOW).await.unwrap(), Rotation::SessionRevoked);
    // Revoking again (a second logout) is fine.
    d.revoke_session(sid, NOW + 3_600, NOW).await.unwrap();
    assert_eq!(d.rotate(&r, NOW).await.unwrap(), Rotation::SessionRevoked);
}

async fn rotate_concurrently(d: Arc<dyn RefreshDenylist>, r: Retirement) -> Vec<Rotation> {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (d, r) = (d.clone(), r.clone());
            tokio::spawn(async move { d.rotate(&r, NOW).await.unwrap() })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

async fn sixteen_concurrent_rotations_have_exactly_one_winner(d: Arc<dyn RefreshDenylist>) {
    let outcomes = rotate_concurrently(d, retirement(Uuid::new_v4(), None)).await;
    let winners = outcomes.iter().filter(|o| **o == Rotation::Rotated).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| matches!(
            o,
            Rotation::Rotated | Rotation::Replayed | Rotation::SessionRevoked
        )),
        "{outcomes:?}"
    );
    assert!(outcomes.contains(&Rotation::Replayed), "{outcomes:?}");
}

async fn sixteen_concurrent_retries_with_grace_get_one_pair(d: Arc<dyn RefreshDenylist>) {
    let r = retirement(Uuid::new_v4(), Some(("the-pair", NOW + 30)));
    let outcomes = rotate_concurrently(d, r).await;
    let winners = outcomes.iter().filter(|o| **o == Rotation::Rotated).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    let reused = Rotation::Reused("the-pair".into());
    assert_eq!(outcomes.iter().filter(|o| **o == reused).count(), 15);
}

async fn retired_tokens_and_revocations_are_forgotten_after_they_expire(
    d: Arc<dyn RefreshDenylist>,
) {
    let r = retirement(Uuid::new_v4(), None);
    assert_eq!(d.rotate(&r, NOW).await.unwrap(), Rotation::Rotated);
    // Expired entries go as a side effect of a later write, whichever it is.
    let later = r.jti_expires_at + 1;
    let other = Uuid::new_v4();
    d.revoke_session(other, later + 10, later).await.unwrap();
    assert_eq!(d.rotate(&r, later).await.unwrap(), Rotation::Rotated);
    assert_eq!(
        d.rotate(&retirement(other, None), later + 9).await.unwrap(),
        Rotation::SessionRevoked
    );
    assert_eq!(
        d.rotate(&retirement(other, None), later + 10)
            .await
            .unwrap(),
        Rotation::Rotated,
        "a revocation ends at its expiry"
    );
}

async fn a_successor_is_not_handed_out_after_the_grace_window(d: Arc<dyn RefreshDenylist>) {
    let r = retirement(Uuid::new_v4(), Some(("pair", NOW + 30)));
    assert_eq!(d.rotate(&r, NOW).await.unwrap(), Rotation::Rotated);
    assert_eq!(
        d.rotate(&r, NOW + 30).await.unwrap(),
        Rotation::Reused("pair".into())
    );
    assert_eq!(d.rotate(&r, NOW + 31).await.unwrap(), Rotation::Replayed);
}

async fn a_shorter_revocation_never_shortens_a_longer_one(d: Arc<dyn RefreshDenylist>) {
    let sid = Uuid::new_v4();
    d.revoke_session(sid, NOW + 1_000, NOW).await.unwrap();
    d.revoke_session(sid, NOW + 10, NOW).await.unwrap();
    let r = retirement(sid, None);
    assert_eq!(
        d.rotate(&r, NOW + 500).await.unwrap(),
        Rotation::SessionRevoked
    );
}

/// Redis keeps time itself: the keys must carry the remaining life of what they name.
#[tokio::test]
async fn redis_keys_expire_with_what_they_name() {
    let (d, prefix) = redis_denylist();
    let now = Utc::now().timestamp();
    let sid = Uuid::new_v4();
    let mut r = retirement(sid, Some(("pair", now + 30)));
    r.jti_expires_at = now + 600;
    r.session_expires_at = now + 3_600;
    assert_eq!(d.rotate(&r, now).await.unwrap(), Rotation::Rotated);
    assert_eq!(
        d.rotate(&r, now).await.unwrap(),
        Rotation::Reused("pair".into())
    );
    let keys = prefix.keys_and_ttls();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let ttl_of = |kind: &str| {
        keys.iter()
            .find(|(k, _)| k.starts_with(&format!("{}:{kind}:", prefix.prefix)))
            .map(|(_, ttl)| *ttl)
            .unwrap_or_else(|| panic!("no {kind} key in {keys:?}"))
    };
    assert!((599..=601).contains(&ttl_of("rt")), "{keys:?}");
    assert!((29..=31).contains(&ttl_of("succ")), "{keys:?}");
    d.revoke_session(sid, now + 3_600, now).await.unwrap();
    let keys = prefix.keys_and_ttls();
    assert!(
        keys.iter().all(|(_, ttl)| *ttl > 0),
        "a key without expiry: {keys:?}"
    );
    let sid_ttl = keys
        .iter()
        .find(|(k, _)| k.contains(":sid:"))
        .expect("sid key")
        .1;
    assert!((3_598..=3_600).contains(&sid_ttl), "{keys:?}");
}

#[tokio::test]
async fn a_retired_jti_leaves_redis_by_itself() {
    let (d, _prefix) = redis_denylist();
    let now = Utc::now().timestamp();
    let mut r = retirement(Uuid::new_v4(), None);
    r.jti_expires_at = now - 1; // remembered for the shortest TTL, one second
    assert_eq!(d.rotate(&r, now).await.unwrap(), Rotation::Rotated);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(d.rotate(&r, now).await.unwrap(), Rotation::Rotated);
}

/// PostgreSQL prunes rows as SQLite does: the tables do not grow without bound.
#[tokio::test]
async fn postgres_prunes_expired_rows_on_writes() {
    let (store, _db) = postgres_store().await;
    let d: Arc<dyn RefreshDenylist> = store.clone();
    for _ in 0..3 {
        let r = retirement(Uuid::new_v4(), Some(("pair", NOW + 30)));
        d.rotate(&r, NOW).await.unwrap();
    }
    d.revoke_session(Uuid::new_v4(), NOW + 100, NOW)
        .await
        .unwrap();
    let count = |table: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let successors = || {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM retired_refresh_tokens WHERE successor IS NOT NULL",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(count("retired_refresh_tokens").await, 3);
    assert_eq!(successors().await, 3);
    // Past the grace window, a write clears the kept successor pairs.
    d.revoke_session(Uuid::new_v4(), NOW + 100, NOW + 31)
        .await
        .unwrap();
    assert_eq!(successors().await, 0);
    // Past every expiry, a write removes the rows.
    d.revoke_session(Uuid::new_v4(), NOW + 10_000, NOW + 5_000)
        .await
        .unwrap();
    assert_eq!(count("retired_refresh_tokens").await, 0);
    assert_eq!(count("revoked_sessions").await, 1);
}

/// What a SQL denylist holds: retired tokens, kept successors, revoked sessions.
const HELD: &str = "SELECT (SELECT COUNT(*) FROM retired_refresh_tokens), \
    (SELECT COUNT(*) FROM retired_refresh_tokens WHERE successor IS NOT NULL), \
    (SELECT COUNT(*) FROM revoked_sessions)";

/// An instance that takes no writes still forgets what has expired: the timer's purge does
/// on its own what every write does on the way.
#[tokio::test]
async fn an_idle_sql_denylist_forgets_on_the_purge_timer() {
    let (sqlite, dir) = sqlite_store().await;
    let url = format!("sqlite://{}", dir.path().join("authd.db").display());
    let sqlite_pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let (postgres, _db) = postgres_store().await;
    let postgres_pool = postgres.pool().clone();
    let held_in_sqlite = || sqlx::query_as::<_, (i64, i64, i64)>(HELD).fetch_one(&sqlite_pool);
    let held_in_postgres = || sqlx::query_as::<_, (i64, i64, i64)>(HELD).fetch_one(&postgres_pool);
    let (sqlite, postgres): (Arc<dyn RefreshDenylist>, Arc<dyn RefreshDenylist>) =
        (sqlite, postgres);
    for d in [&sqlite, &postgres] {
        for _ in 0..3 {
            let r = retirement(Uuid::new_v4(), Some(("pair", NOW + 30)));
            assert_eq!(d.rotate(&r, NOW).await.unwrap(), Rotation::Rotated);
        }
        d.revoke_session(Uuid::new_v4(), NOW + 100, NOW)
            .await
            .unwrap();
    }
    for (at, held) in [
        (NOW + 30, (3, 3, 1)),  // nothing has expired yet
        (NOW + 31, (3, 0, 1)),  // past the grace window
        (NOW + 601, (0, 0, 0)), // past every expiry
    ] {
        for d in [&sqlite, &postgres] {
            d.purge_expired(at).await.unwrap();
        }
        assert_eq!(held_in_sqlite().await.unwrap(), held, "sqlite at {at}");
        assert_eq!(held_in_postgres().await.unwrap(), held, "postgres at {at}");
    }
}

/// A SQL denylist's readiness check reads its own table: without the table, it fails.
#[tokio::test]
async fn a_sql_denylist_check_fails_when_its_table_is_gone() {
    let (sqlite, dir) = sqlite_store().await;
    let (postgres, _db) = postgres_store().await;
    let url = format!("sqlite://{}", dir.path().join("authd.db").display());
    let other_connection = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TABLE revoked_sessions")
        .execute(&other_connection)
        .await
        .unwrap();
    sqlx::query("DROP TABLE revoked_sessions")
        .execute(postgres.pool())
        .await
        .unwrap();

    let sqlite: Arc<dyn RefreshDenylist> = sqlite;
    let postgres: Arc<dyn RefreshDenylist> = postgres;
    assert!(sqlite.check().await.is_err());
    assert!(postgres.check().await.is_err());
}
