//! Keeping the rollup tables in step with the audit log, off the request path.
//!
//! [`catch_up`] reads each node's chain past its watermark, aggregates a page into a
//! [`Delta`] and merges it in one transaction that also moves the watermark — guarded by the
//! old value, so two gateways (or a gateway and `dxgate ranking`) never count a record twice.
//! [`rebuild`] drops every rollup and starts again from the raw records.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::rollup::{ConsumerAgencies, Counters, Delta, Facts, Key, COLUMNS, N};
use super::RankingError;
use crate::audit::{Outcome, SchemaResult, Store};
use crate::policy::JustificationStatus;
use crate::progress::{Progress, Silent};

/// Records read per page (one transaction each).
pub const PAGE: i64 = 5_000;

/// What one catch-up did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    pub records: u64,
    pub pages: u64,
    /// Pages another process merged first (ours was rolled back and re-read).
    pub raced: u64,
    /// The consumer → agency map changed, so every rollup was rebuilt.
    pub rebuilt: bool,
}

const RECORD_COLUMNS: &str = "seq, ts_ms, consumer, agency, dataset, outcome, \
    justification_status, decided_by, response_schema, latency_us, probe, data_as_of_ms, \
    duplicates, CAST(CASE WHEN subject_hash IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_subject";

/// Roll up every record not yet rolled up (at most `max_pages` pages per node, if given).
pub async fn catch_up(
    store: &Store,
    agencies: &ConsumerAgencies,
    max_pages: Option<u64>,
) -> Result<CatchUp, RankingError> {
    catch_up_with(store, agencies, max_pages, &Silent).await
}

/// [`catch_up`], telling `progress` how many records each chain has past its watermark and
/// how many are rolled up.
pub async fn catch_up_with(
    store: &Store,
    agencies: &ConsumerAgencies,
    max_pages: Option<u64>,
    progress: &dyn Progress,
) -> Result<CatchUp, RankingError> {
    let mut out = CatchUp::default();
    let fingerprint = agencies.fingerprint();
    let stored: Option<String> =
        sqlx::query_scalar("SELECT value FROM ranking_state WHERE name = 'consumer_agencies'")
            .fetch_optional(store.pool())
            .await?;
    if stored.as_deref() != Some(fingerprint.as_str()) {
        rebuild_marker(store, &fingerprint).await?;
        out.rebuilt = stored.is_some();
    }
    for node in nodes(store).await? {
        sqlx::query("INSERT INTO ranking_watermarks (node_id, seq) VALUES ($1, 0) ON CONFLICT (node_id) DO NOTHING")
            .bind(&node)
            .execute(store.pool())
            .await?;
        let mut pages = 0;
        loop {
            if max_pages.is_some_and(|m| pages >= m) {
                break;
            }
            let from: i64 =
                sqlx::query_scalar("SELECT seq FROM ranking_watermarks WHERE node_id = $1")
                    .bind(&node)
                    .fetch_one(store.pool())
                    .await?;
            if pages == 0 {
                // From the first live record: archived ones are not read again.
                let first = store.first_seq_since(&node, i64::MIN, from).await?;
                let head = store.head(&node).await?.seq;
                progress.add_total(first.map_or(0, |f| crate::progress::span(f - 1, head)));
            }
            let rows = page(store, &node, from).await?;
            let Some(last) = rows.last() else { break };
            let to: i64 = last.try_get("seq")?;
            let mut delta = Delta::default();
            add_all(&mut delta, &rows, agencies)?;
            pages += 1;
            out.pages += 1;
            if merge(store, &node, from, to, &delta).await? {
                out.records += rows.len() as u64;
                progress.advance(rows.len() as u64);
            } else {
                out.raced += 1;
            }
            if (rows.len() as i64) < PAGE {
                break;
            }
        }
    }
    Ok(out)
}

/// The last seq of each chain the rollups have counted (what `dxgate audit archive` may move
/// out of the live table).
pub async fn watermarks(store: &Store) -> Result<BTreeMap<String, i64>, RankingError> {
    let rows = sqlx::query("SELECT node_id, seq FROM ranking_watermarks")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Up to [`PAGE`] of `node`'s records after `from`, in chain order.
async fn page(store: &Store, node: &str, from: i64) -> Result<Vec<AnyRow>, RankingError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM audit_records WHERE node_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    );
    Ok(sqlx::query(&sql)
        .bind(node)
        .bind(from)
        .bind(PAGE)
        .fetch_all(store.pool())
        .await?)
}

/// Add the facts of every record in `rows` (those naming an agency and dataset) to `delta`.
fn add_all(
    delta: &mut Delta,
    rows: &[AnyRow],
    agencies: &ConsumerAgencies,
) -> Result<(), RankingError> {
    for r in rows {
        if let Some(f) = facts(r)? {
            delta.add(&f, agencies);
        }
    }
    Ok(())
}

/// Every node id with a chain, by index seeks (a DISTINCT would scan every record).
async fn nodes(store: &Store) -> Result<Vec<String>, RankingError> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE n(id) AS (SELECT MIN(node_id) FROM audit_records \
         UNION ALL SELECT (SELECT MIN(node_id) FROM audit_records WHERE node_id > n.id) FROM n WHERE n.id IS NOT NULL) \
         SELECT id FROM n WHERE id IS NOT NULL",
    )
    .fetch_all(store.pool())
    .await?)
}

/// Forget every rollup (they are rebuilt from the raw records by the next catch-up).
pub async fn rebuild(store: &Store, agencies: &ConsumerAgencies) -> Result<(), RankingError> {
    rebuild_marker(store, &agencies.fingerprint()).await
}

async fn rebuild_marker(store: &Store, fingerprint: &str) -> Result<(), RankingError> {
    let mut tx = store.pool().begin().await?;
    for t in [
        "ranking_watermarks",
        "ranking_rollup_hourly",
        "ranking_rollup_daily",
        "ranking_consumer_days",
        "ranking_datasets",
        "ranking_state",
    ] {
        sqlx::query(&format!("DELETE FROM {t}"))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO ranking_state (name, value) VALUES ('consumer_agencies', $1)")
        .bind(fingerprint)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Aggregate every raw record in one pass, without touching the rollup tables: the reference
/// a full recompute gives, to compare against the incremental tables.
pub async fn recompute_from_raw(
    store: &Store,
    agencies: &ConsumerAgencies,
) -> Result<Delta, RankingError> {
    let mut delta = Delta::default();
    for node in nodes(store).await? {
        let mut from = 0i64;
        loop {
            let rows = page(store, &node, from).await?;
            let Some(last) = rows.last() else { break };
            from = last.try_get("seq")?;
            add_all(&mut delta, &rows, agencies)?;
        }
    }
    Ok(delta)
}

/// Every hourly cell as stored (tests and `ranking --verify`).
pub async fn stored_hourly(store: &Store) -> Result<BTreeMap<Key, Counters>, RankingError> {
    let sql = format!(
        "SELECT hour, agency, dataset, {}, first_served_ms, last_served_ms FROM ranking_rollup_hourly",
        COLUMNS.join(", ")
    );
    let rows = sqlx::query(&sql).fetch_all(store.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok((
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?),
                counters(r, 3)?,
            ))
        })
        .collect()
}

/// Counters from columns `at..at+N` then first/last serve.
pub(crate) fn counters(r: &AnyRow, at: usize) -> Result<Counters, sqlx::Error> {
    let mut c = Counters::default();
    for (i, v) in c.c.iter_mut().enumerate() {
        *v = r.try_get(at + i)?;
    }
    c.first_served_ms = r.try_get(at + N)?;
    c.last_served_ms = r.try_get(at + N + 1)?;
    Ok(c)
}

/// The rollup facts of one record; `None` when it names no agency or dataset.
fn facts(r: &AnyRow) -> Result<Option<Facts>, RankingError> {
    let agency: Option<String> = r.try_get("agency")?;
    let dataset: Option<String> = r.try_get("dataset")?;
    let (Some(agency), Some(dataset)) = (agency, dataset) else {
        return Ok(None);
    };
    let outcome: String = r.try_get("outcome")?;
    let outcome = Outcome::parse(&outcome)
        .ok_or_else(|| RankingError::Corrupt(format!("unknown outcome {outcome:?}")))?;
    let js: Option<String> = r.try_get("justification_status")?;
    let decided_by: Option<String> = r.try_get("decided_by")?;
    let schema: String = r.try_get("response_schema")?;
    Ok(Some(Facts {
        ts_ms: r.try_get("ts_ms")?,
        consumer: r.try_get("consumer")?,
        agency,
        dataset,
        outcome,
        justification: js.as_deref().and_then(JustificationStatus::parse),
        decided_by_source: decided_by.is_some_and(|d| d.starts_with("source:")),
        response_schema: SchemaResult::parse(&schema)
            .ok_or_else(|| RankingError::Corrupt(format!("unknown response_schema {schema:?}")))?,
        latency_us: r.try_get("latency_us")?,
        probe: r
            .try_get::<Option<i64>, _>("probe")?
            .is_some_and(|p| p != 0),
        subject: r.try_get::<i64, _>("has_subject")? != 0,
        data_as_of_ms: r.try_get("data_as_of_ms")?,
        duplicates: r
            .try_get::<Option<i64>, _>("duplicates")?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    }))
}

/// Merge `delta` (records `from+1..=to` of `node`) in one transaction. False when another
/// process moved the watermark first: nothing is written.
async fn merge(
    store: &Store,
    node: &str,
    from: i64,
    to: i64,
    delta: &Delta,
) -> Result<bool, RankingError> {
    let mut tx = store.pool().begin().await?;
    let moved =
        sqlx::query("UPDATE ranking_watermarks SET seq = $1 WHERE node_id = $2 AND seq = $3")
            .bind(to)
            .bind(node)
            .bind(from)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if moved != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    write(&mut tx, delta).await?;
    tx.commit().await?;
    Ok(true)
}

/// Merge `delta` without moving any watermark: bulk loads of synthetic data (benchmarks).
pub async fn apply(store: &Store, delta: &Delta) -> Result<(), RankingError> {
    let mut tx = store.pool().begin().await?;
    write(&mut tx, delta).await?;
    tx.commit().await?;
    Ok(())
}

/// Add `delta` to every rollup table inside `tx`.
async fn write(tx: &mut Transaction<'_, Any>, delta: &Delta) -> Result<(), RankingError> {
    upsert_cells(tx, "ranking_rollup_hourly", "hour", &delta.hourly).await?;
    upsert_cells(tx, "ranking_rollup_daily", "day", &delta.daily()).await?;
    for ((agency, dataset), (first, last)) in delta.datasets() {
        if first.is_none() {
            continue;
        }
        sqlx::query(&format!(
            "INSERT INTO ranking_datasets (agency, dataset, first_served_ms, last_served_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agency, dataset) DO UPDATE SET {}, {}",
            min_set("ranking_datasets", "first_served_ms"),
            max_set("ranking_datasets", "last_served_ms"),
        ))
        .bind(agency)
        .bind(dataset)
        .bind(first)
        .bind(last)
        .execute(&mut **tx)
        .await?;
    }
    for ((agency, dataset), l) in &delta.liveness {
        sqlx::query(&format!(
            "INSERT INTO ranking_datasets (agency, dataset, last_probe_ok_ms, data_as_of_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (agency, dataset) DO UPDATE SET {}, {}",
            max_set("ranking_datasets", "last_probe_ok_ms"),
            max_set("ranking_datasets", "data_as_of_ms"),
        ))
        .bind(agency)
        .bind(dataset)
        .bind(l.last_probe_ok_ms)
        .bind(l.data_as_of_ms)
        .execute(&mut **tx)
        .await?;
    }
    let days: Vec<_> = delta.consumer_days.iter().collect();
    for chunk in days.chunks(ROWS_PER_UPSERT) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO ranking_consumer_days (day, agency, consumer) VALUES {} ON CONFLICT (day, agency, consumer) DO NOTHING",
            marks.join(",")
        );
        let mut q = sqlx::query(&sql);
        for (day, agency, consumer) in chunk {
            q = q.bind(*day).bind(agency.clone()).bind(consumer.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

fn min_set(table: &str, col: &str) -> String {
    format!("{col} = CASE WHEN {table}.{col} IS NULL OR excluded.{col} < {table}.{col} THEN excluded.{col} ELSE {table}.{col} END")
}

fn max_set(table: &str, col: &str) -> String {
    format!("{col} = CASE WHEN {table}.{col} IS NULL OR excluded.{col} > {table}.{col} THEN excluded.{col} ELSE {table}.{col} END")
}

/// Rows per upsert statement (40 parameters each).
const ROWS_PER_UPSERT: usize = 200;

/// Add `cells` into `table` (keyed by `unit`, agency, dataset).
pub(crate) async fn upsert_cells(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    unit: &str,
    cells: &BTreeMap<Key, Counters>,
) -> Result<(), RankingError> {
    let cells: Vec<_> = cells.iter().collect();
    let ncols = 3 + N + 2;
    let mut set: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    set.push(min_set(table, "first_served_ms"));
    set.push(max_set(table, "last_served_ms"));
    let set = set.join(", ");
    for chunk in cells.chunks(ROWS_PER_UPSERT) {
        let mut sql = format!(
            "INSERT INTO {table} ({unit}, agency, dataset, {}, first_served_ms, last_served_ms) VALUES ",
            COLUMNS.join(", ")
        );
        let mut n = 0;
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(" } else { ",(" });
            for j in 0..ncols {
                n += 1;
                if j > 0 {
                    sql.push(',');
                }
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            sql.push(')');
        }
        sql.push_str(&format!(
            " ON CONFLICT ({unit}, agency, dataset) DO UPDATE SET {set}"
        ));
        let mut q = sqlx::query(&sql);
        for ((unit, agency, dataset), c) in chunk {
            q = q.bind(*unit).bind(agency.clone()).bind(dataset.clone());
            for v in c.c {
                q = q.bind(v);
            }
            q = q.bind(c.first_served_ms).bind(c.last_served_ms);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
