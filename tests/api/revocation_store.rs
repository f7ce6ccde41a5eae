//! The revocation-fact store's contract, on SQLite, PostgreSQL, Redis and memory: facts
//! come back numbered in the order recorded, a reader resumes after what it has seen, and
//! nothing past its `until` is ever read. Redis also pushes each fact as it is recorded.

use std::sync::Arc;
use std::time::Duration;

use authd::revocation::{Fact, Revoked};
use authd::store::{MemoryRevocations, RedisConnection, RedisRevocations, RevocationStore};
use uuid::Uuid;

use crate::backing::{RedisPrefix, TestDatabase, SHARED_REDIS};

const NOW: i64 = 1_900_000_000;

fn redis_store(prefix: &RedisPrefix) -> Arc<RedisRevocations> {
    let redis = RedisConnection::open(SHARED_REDIS, &prefix.prefix, Duration::from_secs(2))
        .expect("redis url");
    Arc::new(RedisRevocations::new(redis))
}

macro_rules! on_backends {
    ($($behaviour:ident),* $(,)?) => {$(
        mod $behaviour {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("authd.db").display());
                let store = authd::store::SqliteStore::connect(&url, 5).await.unwrap();
                super::$behaviour(std::sync::Arc::new(store)).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = super::TestDatabase::create().await;
                let store = authd::store::PostgresStore::connect(&db.url, 5).await.unwrap();
                super::$behaviour(std::sync::Arc::new(store)).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                let prefix = super::RedisPrefix::new();
                super::$behaviour(super::redis_store(&prefix)).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$behaviour(std::sync::Arc::new(super::MemoryRevocations::new())).await
            }
        }
    )*};
}

on_backends!(
    facts_come_back_numbered_in_the_order_recorded,
    a_reader_resumes_after_the_facts_it_has_seen,
    a_fact_past_its_until_is_never_read,
    facts_of_different_sessions_and_users_stay_apart,
);

fn session(n: u128) -> Revoked {
    Revoked::Session {
        sid: Uuid::from_u128(n),
    }
}

async fn facts_come_back_numbered_in_the_order_recorded(store: Arc<impl RevocationStore>) {
    assert_eq!(store.last_seq().await.unwrap(), 0);
    let user = Revoked::User {
        sub: Uuid::from_u128(7),
        gen: 3,
    };
    let first = store.record(session(1), NOW + 60, NOW).await.unwrap();
    let second = store.record(user, NOW + 90, NOW).await.unwrap();

    assert!(second.seq > first.seq);
    assert_eq!(store.last_seq().await.unwrap(), second.seq);
    let read = store.since(0, NOW).await.unwrap();
    assert_eq!(read, [first, second]);
    assert_eq!(first.revoked, session(1));
    assert_eq!((second.revoked, second.until), (user, NOW + 90));
}

async fn a_reader_resumes_after_the_facts_it_has_seen(store: Arc<impl RevocationStore>) {
    let first = store.record(session(1), NOW + 600, NOW).await.unwrap();
    let second = store.record(session(2), NOW + 600, NOW + 1).await.unwrap();
    let later = NOW + 60;

    let read = store.since(first.seq, later).await.unwrap();

    assert_eq!(read, [second]);
    assert!(store.since(second.seq, later).await.unwrap().is_empty());
}

async fn a_fact_past_its_until_is_never_read(store: Arc<impl RevocationStore>) {
    let short = store.record(session(1), NOW + 5, NOW).await.unwrap();
    let long = store.record(session(2), NOW + 50, NOW).await.unwrap();

    assert_eq!(store.since(0, NOW + 5).await.unwrap(), [short, long]);
    assert_eq!(store.since(0, NOW + 6).await.unwrap(), [long]);
    store.purge_expired(NOW + 6).await.unwrap();
    assert_eq!(store.since(0, NOW + 6).await.unwrap(), [long]);
    assert!(store.since(0, NOW + 51).await.unwrap().is_empty());
}

async fn facts_of_different_sessions_and_users_stay_apart(store: Arc<impl RevocationStore>) {
    let mut recorded: Vec<Fact> = Vec::new();
    for n in 0..5 {
        recorded.push(store.record(session(n), NOW + 60, NOW).await.unwrap());
        let user = Revoked::User {
            sub: Uuid::from_u128(n),
            gen: i64::try_from(n).unwrap(),
        };
        recorded.push(store.record(user, NOW + 60, NOW).await.unwrap());
    }
    // The same revocation twice is two facts: each instance may record what it revoked.
    recorded.push(store.record(session(0), NOW + 60, NOW).await.unwrap());

    assert_eq!(store.since(0, NOW).await.unwrap(), recorded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_pushes_each_fact_to_every_listener_as_it_is_recorded() {
    let prefix = RedisPrefix::new();
    let (writer, listener) = (redis_store(&prefix), redis_store(&prefix));
    assert!(listener.pushes());
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
    let listening = tokio::spawn(async move {
        let deliver = move |fact: Fact| {
            let _ = sender.send(fact);
        };
        listener.listen(&deliver).await
    });
    // Subscribing takes a moment; record until the first push arrives.
    let mut pushed = None;
    for attempt in 0..50u128 {
        let fact = writer
            .record(session(attempt), NOW + 60, NOW)
            .await
            .unwrap();
        match tokio::time::timeout(Duration::from_millis(100), received.recv()).await {
            Ok(Some(got)) => {
                pushed = Some((got, fact));
                break;
            }
            _ => continue,
        }
    }
    let (got, fact) = pushed.expect("a pushed fact");
    assert_eq!(got, fact);
    let next = writer.record(session(999), NOW + 60, NOW).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(2), received.recv())
        .await
        .unwrap();
    assert_eq!(got, Some(next));
    listening.abort();
}
