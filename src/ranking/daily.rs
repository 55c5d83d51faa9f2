//! The daily monitoring report a national board ingests every day (`GET
//! /public/monitoring/daily.json` and `.csv`, `dxgate report daily [--date D]`): per unit of
//! the register, for one day in `[ranking] timezone`, its mandates due within
//! [`DUE_WITHIN_DAYS`] and overdue with the six "clear" fields, datasets first served that
//! day, refusals and unjustified refusals that day, and the review backlog.

use std::fmt::Write as _;

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;

use super::model::{MandateState, MandateStatus, Ranking, Status};
use super::RankingError;
use crate::audit::Store;
use crate::calendar::{Zone, HOUR_MS};
use crate::oversight::refusals::{self, RefusalFilter};

/// A pending mandate is "due" when its deadline is at most this many days after the report day.
pub const DUE_WITHIN_DAYS: i64 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct DailyReport {
    /// The day reported on, `YYYY-MM-DD` in `timezone`.
    pub date: String,
    pub timezone: Zone,
    pub methodology: &'static str,
    pub computed_ms: i64,
    pub units: Vec<UnitDay>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitDay {
    pub id: String,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub status: Status,
    pub rank: Option<u32>,
    pub mandates_due: Vec<MandateStatus>,
    pub mandates_overdue: Vec<MandateStatus>,
    /// `agency/dataset` first served to another agency on this day.
    pub newly_connected: Vec<String>,
    pub refusals: i64,
    pub refusals_unjustified: i64,
    /// Refusals (all time) awaiting review, and those past the review deadline.
    pub reviews_unreviewed: i64,
    pub reviews_overdue: i64,
}

/// Build the report for `date` from the ranking computed as of the end of that day (`ranking`)
/// and the day's rollups.
pub async fn build(
    store: &Store,
    ranking: &Ranking,
    date: Date,
    zone: &Zone,
) -> Result<DailyReport, RankingError> {
    let (start, end) = (zone.start_ms(date), zone.end_ms(date));
    let due_by = date
        .checked_add(jiff::Span::new().days(DUE_WITHIN_DAYS))
        .unwrap_or(date)
        .to_string();
    let day_rows = sqlx::query(
        "SELECT agency, CAST(SUM(refused) AS BIGINT), CAST(SUM(refused_justified) AS BIGINT) \
         FROM ranking_rollup_hourly WHERE hour >= $1 AND hour < $2 GROUP BY agency",
    )
    .bind(start.div_euclid(HOUR_MS))
    .bind(end.div_euclid(HOUR_MS))
    .fetch_all(store.pool())
    .await?;
    let mut refused = std::collections::HashMap::new();
    for r in day_rows {
        let (a, n, j): (String, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        refused.insert(a, (n, n - j));
    }
    let first_rows = sqlx::query(
        "SELECT agency, dataset FROM ranking_datasets WHERE first_served_ms >= $1 AND first_served_ms < $2 ORDER BY agency, dataset",
    )
    .bind(start)
    .bind(end)
    .fetch_all(store.pool())
    .await?;
    let mut firsts: Vec<(String, String)> = Vec::new();
    for r in first_rows {
        firsts.push((r.try_get(0)?, r.try_get(1)?));
    }
    let mut units = Vec::new();
    for a in &ranking.agencies {
        let agency = a.agency.clone().unwrap_or_default();
        let (n, unjustified) = refused.get(&agency).copied().unwrap_or((0, 0));
        let backlog = if a.agency.is_some() {
            let f = RefusalFilter {
                agency: Some(agency.clone()),
                ..RefusalFilter::default()
            };
            refusals::backlog(store, &f, ranking.computed_ms)
                .await
                .map_err(|e| RankingError::Corrupt(format!("review backlog: {e}")))?
        } else {
            refusals::Backlog {
                unreviewed: 0,
                overdue: 0,
            }
        };
        let pick = |s: MandateState| a.mandated.iter().filter(move |m| m.state == s).cloned();
        units.push(UnitDay {
            id: a.id.clone(),
            code: a.code.clone(),
            name_vi: a.name_vi.clone(),
            name_en: a.name.clone(),
            status: a.status,
            rank: a.rank.map(|r| r.rank),
            mandates_due: pick(MandateState::Pending)
                .filter(|m| m.deadline <= due_by)
                .collect(),
            mandates_overdue: pick(MandateState::Overdue).collect(),
            newly_connected: firsts
                .iter()
                .filter(|(ag, _)| a.agency.as_deref() == Some(ag.as_str()))
                .map(|(ag, ds)| format!("{ag}/{ds}"))
                .collect(),
            refusals: n,
            refusals_unjustified: unjustified,
            reviews_unreviewed: backlog.unreviewed,
            reviews_overdue: backlog.overdue,
        });
    }
    Ok(DailyReport {
        date: date.to_string(),
        timezone: zone.clone(),
        methodology: ranking.methodology,
        computed_ms: ranking.computed_ms,
        units,
    })
}

/// The report as JSON.
pub fn json(r: &DailyReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

/// The report as CSV: one row per unit and mandate due or overdue (a unit with none has one
/// row with the mandate columns empty).
pub fn csv(r: &DailyReport) -> String {
    let mut out = String::from(
        "date,unit,code,name_vi,name_en,status,rank,refusals,refusals_unjustified,reviews_unreviewed,reviews_overdue,newly_connected,mandate,product,task,official,deadline,assigned_by,instrument,connected\r\n",
    );
    for u in &r.units {
        let head = [
            r.date.clone(),
            u.id.clone(),
            u.code.clone(),
            u.name_vi.clone(),
            u.name_en.clone(),
            u.status.as_str().to_owned(),
            u.rank.map(|r| r.to_string()).unwrap_or_default(),
            u.refusals.to_string(),
            u.refusals_unjustified.to_string(),
            u.reviews_unreviewed.to_string(),
            u.reviews_overdue.to_string(),
            u.newly_connected.join(" "),
        ];
        let lines: Vec<(&str, &MandateStatus)> = u
            .mandates_overdue
            .iter()
            .map(|m| ("overdue", m))
            .chain(u.mandates_due.iter().map(|m| ("due", m)))
            .collect();
        let mandate_cells = |m: Option<(&str, &MandateStatus)>| -> Vec<String> {
            match m {
                None => vec![String::new(); 8],
                Some((kind, m)) => vec![
                    kind.to_owned(),
                    m.product.clone(),
                    m.task.clone(),
                    m.official.clone(),
                    m.deadline.clone(),
                    m.assigned_by.clone(),
                    m.instrument.clone(),
                    m.connected.to_string(),
                ],
            }
        };
        let rows: Vec<Vec<String>> = if lines.is_empty() {
            vec![mandate_cells(None)]
        } else {
            lines.into_iter().map(|l| mandate_cells(Some(l))).collect()
        };
        for tail in rows {
            let cells: Vec<String> = head
                .iter()
                .chain(tail.iter())
                .map(|c| super::render::csv_field(c))
                .collect();
            let _ = write!(out, "{}\r\n", cells.join(","));
        }
    }
    out
}
