//! The store query behind `GET /v1/me/access-log`: records whose `subject_hash` is the
//! citizen's, newest first. Only the columns a citizen may see are read; never other subjects'
//! records, never hashes of payloads.

use sqlx::Row;

use crate::audit::{Digest, Store, StoreError};

/// One access to a citizen's records, as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub request_id: String,
    pub ts_ms: i64,
    pub consumer: Option<String>,
    pub agency: Option<String>,
    pub dataset: Option<String>,
    pub purpose: Option<String>,
    pub outcome: String,
}

/// Up to `limit` accesses to the subject with hash `subject_hash`, older than `before` (a
/// request id) when given, newest first.
pub async fn accesses(
    store: &Store,
    subject_hash: &Digest,
    before: Option<&str>,
    limit: u32,
) -> Result<Vec<Access>, StoreError> {
    let mut q = store.filter(
        "SELECT request_id, ts_ms, consumer, agency, dataset, purpose, outcome \
         FROM audit_records WHERE 1=1",
    );
    q.and("subject_hash =", subject_hash.to_hex())
        .and_some("request_id <", before)
        .push(" ORDER BY request_id DESC LIMIT ")
        .bind(i64::from(limit.clamp(1, 1000)));
    let rows = q.fetch_all(store.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(Access {
                request_id: r.try_get("request_id")?,
                ts_ms: r.try_get("ts_ms")?,
                consumer: r.try_get("consumer")?,
                agency: r.try_get("agency")?,
                dataset: r.try_get("dataset")?,
                purpose: r.try_get("purpose")?,
                outcome: r.try_get("outcome")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
