//! Editions in the store (migration 1400): one row per date, inserted once and never updated
//! or deleted (the database refuses both), with its CSV and its per-unit scores for the trend
//! across editions.

use std::collections::HashMap;

use jiff::civil::Date;
use sqlx::Row;

use super::{Edition, Facts};
use crate::audit::{Digest, Store};
use crate::ranking::model::TrendPoint;
use crate::ranking::{Ranking, RankingError};

/// Units per score INSERT (4 parameters each, plus 2).
const SCORE_ROWS: usize = 200;

/// One line of the list of editions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub date: Date,
    pub timezone: String,
    pub methodology: String,
    pub sha256: String,
    pub window_days: i64,
    pub frozen_ms: i64,
}

/// A stored edition with its CSV.
#[derive(Debug, Clone)]
pub struct Stored {
    pub edition: Edition,
    pub csv: String,
    pub frozen_ms: i64,
}

/// Store `edition` of `ranking` unless its date has one. True if stored now; false when the
/// date already had an edition (which is left as it was).
pub async fn insert(
    store: &Store,
    edition: &Edition,
    ranking: &Ranking,
    csv: &str,
    frozen_ms: i64,
) -> Result<bool, RankingError> {
    let date = edition.facts.date.to_string();
    let day = crate::calendar::day_number(edition.facts.date);
    let mut tx = store.pool().begin().await?;
    let stored = sqlx::query(
        "INSERT INTO ranking_editions (edition, day, timezone, methodology, window_days, computed_ms, frozen_ms, sha256, note, body, csv) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (edition) DO NOTHING",
    )
    .bind(&date)
    .bind(day)
    .bind(&edition.facts.timezone)
    .bind(&edition.facts.methodology)
    .bind(i64::from(ranking.window.days))
    .bind(ranking.computed_ms)
    .bind(frozen_ms)
    .bind(edition.facts.sha256.to_hex())
    .bind(&edition.note)
    .bind(&edition.body)
    .bind(csv)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    // Every unit's figures, many rows a statement (the day is the edition's, in each row).
    for units in ranking.agencies.chunks(SCORE_ROWS).filter(|_| stored) {
        let rows: Vec<String> = (0..units.len())
            .map(|i| {
                format!(
                    "($1, $2, ${}, ${}, ${}, ${})",
                    4 * i + 3,
                    4 * i + 4,
                    4 * i + 5,
                    4 * i + 6
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO ranking_edition_scores (edition, day, unit, status, score_tenths, rank) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(&date).bind(day);
        for a in units {
            let (status, score, rank) = crate::ranking::snapshot::score_row(a);
            q = q.bind(&a.id).bind(status).bind(score).bind(rank);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// Every edition, newest first.
pub async fn list(store: &Store) -> Result<Vec<Listed>, RankingError> {
    let rows = sqlx::query(
        "SELECT edition, timezone, methodology, sha256, window_days, frozen_ms FROM ranking_editions ORDER BY day DESC",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                date: parse(&r.try_get::<String, _>(0)?)?,
                timezone: r.try_get(1)?,
                methodology: r.try_get(2)?,
                sha256: r.try_get(3)?,
                window_days: r.try_get(4)?,
                frozen_ms: r.try_get(5)?,
            })
        })
        .collect()
}

/// Whether `date` has an edition.
pub async fn exists(store: &Store, date: Date) -> Result<bool, RankingError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ranking_editions WHERE edition = $1")
        .bind(date.to_string())
        .fetch_one(store.pool())
        .await?;
    Ok(n > 0)
}

/// The edition of `date`, if frozen.
pub async fn get(store: &Store, date: Date) -> Result<Option<Stored>, RankingError> {
    let row = sqlx::query(
        "SELECT timezone, methodology, sha256, note, body, csv, frozen_ms FROM ranking_editions WHERE edition = $1",
    )
    .bind(date.to_string())
    .fetch_optional(store.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let sha: String = r.try_get(2)?;
    let sha256 = Digest::from_hex(&sha)
        .map_err(|_| RankingError::Corrupt(format!("edition {date}: sha256 {sha:?}")))?;
    Ok(Some(Stored {
        edition: Edition {
            facts: Facts {
                date,
                timezone: r.try_get(0)?,
                methodology: r.try_get(1)?,
                sha256,
            },
            note: r.try_get(3)?,
            body: r.try_get(4)?,
        },
        csv: r.try_get(5)?,
        frozen_ms: r.try_get(6)?,
    }))
}

/// Per unit, its score and rank in every edition up to `until` (oldest first).
pub async fn trend(
    store: &Store,
    until: Date,
) -> Result<HashMap<String, Vec<TrendPoint>>, RankingError> {
    let rows = sqlx::query(
        "SELECT unit, day, score_tenths, rank FROM ranking_edition_scores WHERE day <= $1 ORDER BY unit, day",
    )
    .bind(crate::calendar::day_number(until))
    .fetch_all(store.pool())
    .await?;
    crate::ranking::snapshot::trend_points(rows)
}

fn parse(s: &str) -> Result<Date, RankingError> {
    crate::calendar::parse_date(s).map_err(|e| RankingError::Corrupt(format!("edition date: {e}")))
}
