//! Rate counters, in memory and in Redis: the same answers, so limits hold across instances.

use std::sync::Arc;
use std::time::Duration;

use authd::store::{CounterStore, MemoryCounters};
use authd::store::{RedisConnection, RedisCounters};

use crate::backing::{RedisPrefix, SHARED_REDIS};

fn redis_counters() -> (Arc<dyn CounterStore>, RedisPrefix) {
    let prefix = RedisPrefix::new();
    let redis = RedisConnection::open(SHARED_REDIS, &prefix.prefix, Duration::from_secs(2))
        .expect("redis url");
    (Arc::new(RedisCounters::new(redis)), prefix)
}

async fn a_window_counts_and_a_success_resets_it(counters: Arc<dyn CounterStore>) {
    let now = chrono::Utc::now().timestamp();
    for expected in 1..=3 {
        let window = counters.increment("login:a", 60, now).await.unwrap();
        assert_eq!(window.count, expected);
        assert!((59..=60).contains(&window.resets_in), "{window:?}");
    }
    assert_eq!(counters.peek("login:a", now).await.unwrap().count, 3);
    assert_eq!(counters.peek("login:b", now).await.unwrap().count, 0);
    counters.reset("login:a").await.unwrap();
    assert_eq!(counters.peek("login:a", now).await.unwrap().count, 0);
    counters.check().await.unwrap();
}

async fn gcra_allows_a_burst_then_one_per_interval(counters: Arc<dyn CounterStore>) {
    let now = chrono::Utc::now().timestamp_millis();
    for _ in 0..30 {
        assert_eq!(counters.take_token("ip", 30, 30, now).await.unwrap(), None);
    }
    assert_eq!(
        counters.take_token("ip", 30, 30, now).await.unwrap(),
        Some(2)
    );
    assert_eq!(
        counters
            .take_token("ip", 30, 30, now + 2_000)
            .await
            .unwrap(),
        None
    );
    assert!(counters
        .take_token("ip", 30, 30, now + 2_000)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        counters.take_token("other", 30, 30, now).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn memory_windows_count_and_reset() {
    a_window_counts_and_a_success_resets_it(Arc::new(MemoryCounters::new())).await;
}

#[tokio::test]
async fn redis_windows_count_and_reset() {
    let (counters, _prefix) = redis_counters();
    a_window_counts_and_a_success_resets_it(counters).await;
}

#[tokio::test]
async fn memory_gcra_allows_a_burst_then_one_per_interval() {
    gcra_allows_a_burst_then_one_per_interval(Arc::new(MemoryCounters::new())).await;
}

#[tokio::test]
async fn redis_gcra_allows_a_burst_then_one_per_interval() {
    let (counters, _prefix) = redis_counters();
    gcra_allows_a_burst_then_one_per_interval(counters).await;
}

#[tokio::test]
async fn every_redis_counter_key_expires() {
    let (counters, prefix) = redis_counters();
    let now = chrono::Utc::now().timestamp();
    counters.increment("login:x", 900, now).await.unwrap();
    counters
        .take_token("ip:x", 30, 30, now * 1000)
        .await
        .unwrap();
    let keys = prefix.keys_and_ttls();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys.iter().all(|(_, ttl)| *ttl > 0),
        "a key without expiry: {keys:?}"
    );
}
