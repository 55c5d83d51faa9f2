//! Daily snapshots: the first ranking computed on each day (in `[ranking] timezone`) is kept, whole (JSON) and as
//! per-agency scores, and never overwritten — the history the trend charts draw from.

use std::collections::HashMap;

use sqlx::Row;

use super::model::{Ranking, TrendPoint};
use super::RankingError;
use crate::audit::Store;

/// Store `ranking` as the snapshot of its day unless that day already has one. True if stored.
pub async fn take_if_due(store: &Store, ranking: &Ranking) -> Result<bool, RankingError> {
    let day = ranking.parameters.timezone.day_of(ranking.computed_ms);
    let days = i64::from(ranking.window.days);
    let body = serde_json::to_string(ranking).map_err(|e| RankingError::Corrupt(e.to_string()))?;
    let mut tx = store.pool().begin().await?;
    let stored = sqlx::query(
        "INSERT INTO ranking_snapshots (day, window_days, computed_ms, methodology, body) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (day, window_days) DO NOTHING",
    )
    .bind(day)
    .bind(days)
    .bind(ranking.computed_ms)
    .bind(ranking.methodology)
    .bind(body)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if stored {
        for a in &ranking.agencies {
            let (status, score, rank) = score_row(a);
            sqlx::query(
                "INSERT INTO ranking_snapshot_scores (day, window_days, agency, status, score_tenths, rank) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(day)
            .bind(days)
            .bind(a.id.clone())
            .bind(status)
            .bind(score)
            .bind(rank)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(stored)
}

/// Per agency, the snapshot scores of `window_days` rankings since `since_day`, oldest first.
pub async fn trend(
    store: &Store,
    window_days: u32,
    since_day: i64,
) -> Result<HashMap<String, Vec<TrendPoint>>, RankingError> {
    let rows = sqlx::query(
        "SELECT agency, day, score_tenths, rank FROM ranking_snapshot_scores \
         WHERE window_days = $1 AND day >= $2 ORDER BY agency, day",
    )
    .bind(i64::from(window_days))
    .bind(since_day)
    .fetch_all(store.pool())
    .await?;
    trend_points(rows)
}

/// Rows of `(unit, day, score_tenths, rank)`, ordered by unit and day, as trend points per unit
/// (the daily snapshots' and the editions' trends).
pub(crate) fn trend_points(
    rows: Vec<sqlx::any::AnyRow>,
) -> Result<HashMap<String, Vec<TrendPoint>>, RankingError> {
    let mut out: HashMap<String, Vec<TrendPoint>> = HashMap::new();
    for r in rows {
        let score: Option<i64> = r.try_get(2)?;
        let rank: Option<i64> = r.try_get(3)?;
        out.entry(r.try_get(0)?).or_default().push(TrendPoint {
            day: r.try_get(1)?,
            score: score.map(|s| s as f64 / 10.0),
            rank: rank.and_then(|r| u32::try_from(r).ok()),
        });
    }
    Ok(out)
}

/// What a unit's score row stores: status, score in tenths, overall rank.
pub(crate) fn score_row(
    a: &super::model::AgencyResult,
) -> (&'static str, Option<i64>, Option<i64>) {
    (
        a.status.as_str(),
        a.score.map(|s| (s * 10.0).round() as i64),
        a.rank.map(|r| i64::from(r.rank)),
    )
}

/// The stored snapshot of `day` (JSON text), if any.
pub async fn get(
    store: &Store,
    day: i64,
    window_days: u32,
) -> Result<Option<String>, RankingError> {
    Ok(
        sqlx::query_scalar(
            "SELECT body FROM ranking_snapshots WHERE day = $1 AND window_days = $2",
        )
        .bind(day)
        .bind(i64::from(window_days))
        .fetch_optional(store.pool())
        .await?,
    )
}
