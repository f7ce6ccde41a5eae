//! Revocation facts in PostgreSQL: rows with their expiry, read by `seq` and by recency
//! (a `BIGSERIAL` is taken before its transaction commits, so numbers may appear late).

use async_trait::async_trait;
use uuid::Uuid;

use super::PostgresStore;
use crate::revocation::{Fact, Revoked};
use crate::store::revocations::{fact_of_row, row_of, LATE_COMMIT_WINDOW};
use crate::store::{RevocationStore, StoreError};

type Row = (i64, Option<Uuid>, Option<Uuid>, Option<i64>, i64);

#[async_trait]
impl RevocationStore for PostgresStore {
    async fn record(&self, revoked: Revoked, until: i64, now: i64) -> Result<Fact, StoreError> {
        let (sid, sub, gen) = row_of(revoked);
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO revocation_facts (sid, sub, gen, until, recorded_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING seq",
        )
        .bind(sid)
        .bind(sub)
        .bind(gen)
        .bind(until)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        fact_of_row(seq, sid, sub, gen, until)
    }

    async fn since(&self, since: u64, now: i64) -> Result<Vec<Fact>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, sid, sub, gen, until FROM revocation_facts \
             WHERE until >= $1 AND (seq > $2 OR recorded_at >= $3) ORDER BY seq",
        )
        .bind(now)
        .bind(i64::try_from(since).unwrap_or(i64::MAX))
        .bind(now.saturating_sub(LATE_COMMIT_WINDOW))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(seq, sid, sub, gen, until)| fact_of_row(seq, sid, sub, gen, until))
            .collect()
    }

    async fn last_seq(&self) -> Result<u64, StoreError> {
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM revocation_facts")
            .fetch_one(&self.pool)
            .await?;
        Ok(last.and_then(|seq| u64::try_from(seq).ok()).unwrap_or(0))
    }

    async fn purge_expired(&self, now: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM revocation_facts WHERE until < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
