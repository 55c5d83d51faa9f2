//! Reading what the engine needs from the store: window sums of the rollups (whole days from
//! the daily table, the partial first day from the hourly one), consumer-days, all-time serve
//! facts, current review verdicts and the trend from daily snapshots.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use super::model::{TrendPoint, Window};
use super::rollup::{Counters, Liveness, COLUMNS};
use super::rollup_store::counters;
use super::{snapshot, RankingError};
use crate::audit::Store;
use crate::calendar::{Zone, DAY_MS, HOUR_MS};
use crate::oversight::{self, VerdictFact};

/// Days of snapshots shown as a trend.
pub const TREND_DAYS: i64 = 60;

/// Everything the engine reads, already summed over the window.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub window: Option<Window>,
    /// (agency, dataset) → counters summed over the window.
    pub cells: BTreeMap<(String, String), Counters>,
    /// agency → distinct consumer-days with evidence in the window.
    pub consumer_days: HashMap<String, i64>,
    /// (agency, dataset) → (first, last) non-self serve, all time.
    pub served: HashMap<(String, String), (Option<i64>, Option<i64>)>,
    /// (agency, dataset) → last answered probe and newest declared data date, all time.
    pub liveness: HashMap<(String, String), Liveness>,
    /// Current verdicts on refusals recorded in the window.
    pub verdicts: Vec<VerdictFact>,
    /// agency → snapshot figures, oldest first.
    pub trend: HashMap<String, Vec<TrendPoint>>,
    /// The zone days and deadlines are counted in (`[ranking] timezone`).
    pub zone: Zone,
}

/// The window of `days` days ending at `now_ms`.
pub fn window(days: u32, now_ms: i64) -> Window {
    Window {
        from_ms: now_ms - i64::from(days) * DAY_MS,
        to_ms: now_ms,
        days,
    }
}

/// Load the inputs for the window of `days` ending at `now_ms`, days counted in `zone`.
pub async fn load(
    store: &Store,
    days: u32,
    now_ms: i64,
    zone: &Zone,
) -> Result<Inputs, RankingError> {
    let w = window(days, now_ms);
    // Whole UTC days from the daily rollup; the partial first and last days hour by hour, so
    // a ranking as of a past instant (an edition) counts nothing after it.
    let first_hour = w.from_ms.div_euclid(HOUR_MS);
    let first_full_day = (first_hour + 23).div_euclid(24);
    let last_day = now_ms.div_euclid(DAY_MS);
    let sums: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
        .collect();
    let sums = sums.join(", ");
    let mut cells: BTreeMap<(String, String), Counters> = BTreeMap::new();
    let hourly = format!("SELECT agency, dataset, {sums}, MIN(first_served_ms), MAX(last_served_ms) FROM ranking_rollup_hourly WHERE hour >= $1 AND hour < $2 GROUP BY agency, dataset");
    let queries = [
        (
            format!("SELECT agency, dataset, {sums}, MIN(first_served_ms), MAX(last_served_ms) FROM ranking_rollup_daily WHERE day >= $1 AND day <= $2 GROUP BY agency, dataset"),
            first_full_day,
            last_day - 1,
        ),
        (hourly.clone(), first_hour, first_full_day * 24),
        (hourly, last_day * 24, now_ms.div_euclid(HOUR_MS) + 1),
    ];
    for (sql, lo, hi) in queries {
        let rows = sqlx::query(&sql)
            .bind(lo)
            .bind(hi)
            .fetch_all(store.pool())
            .await?;
        for r in rows {
            let key = (r.try_get(0)?, r.try_get(1)?);
            cells.entry(key).or_default().add(&counters(&r, 2)?);
        }
    }
    let mut consumer_days = HashMap::new();
    let rows = sqlx::query(
        "SELECT agency, COUNT(*) FROM ranking_consumer_days WHERE day >= $1 AND day <= $2 GROUP BY agency",
    )
    .bind(zone.day_of(w.from_ms))
    .bind(zone.day_of(now_ms))
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        consumer_days.insert(r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?);
    }
    let (mut served, mut liveness) = (HashMap::new(), HashMap::new());
    let rows = sqlx::query(
        "SELECT agency, dataset, first_served_ms, last_served_ms, last_probe_ok_ms, data_as_of_ms FROM ranking_datasets",
    )
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        let key: (String, String) = (r.try_get(0)?, r.try_get(1)?);
        let live = Liveness {
            last_probe_ok_ms: r.try_get(4)?,
            data_as_of_ms: r.try_get(5)?,
        };
        liveness.insert(key.clone(), live);
        // As of `now_ms`: a dataset first served later was not served yet.
        let (first, last): (Option<i64>, Option<i64>) = (r.try_get(2)?, r.try_get(3)?);
        let first = first.filter(|f| *f <= now_ms);
        served.insert(key, (first, first.and(last.map(|l| l.min(now_ms)))));
    }
    let verdicts = oversight::current_verdicts(store, w.from_ms, w.to_ms).await?;
    let trend = snapshot::trend(store, days, zone.day_of(now_ms) - TREND_DAYS).await?;
    Ok(Inputs {
        window: Some(w),
        cells,
        consumer_days,
        served,
        liveness,
        verdicts,
        trend,
        zone: zone.clone(),
    })
}
