//! Rollup counters: what one audit record adds to its (hour, agency, dataset) cell.
//!
//! Pure and in memory: [`Delta`] aggregates a page of records; [`super::rollup_store`] merges
//! it into the tables. The same aggregation serves the incremental path and a full recompute.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use crate::audit::{Outcome, SchemaResult};
use crate::calendar::{Zone, HOUR_MS};
use crate::config::Catalog;
use crate::policy::JustificationStatus;

/// Counter columns, in table order (see `sql/0100_ranking.sql`).
pub const COLUMNS: [&str; N] = [
    "requests",
    "served",
    "not_found",
    "refused",
    "refused_justified",
    "refused_source",
    "exempt",
    "rejected",
    "rate_limited",
    "source_error",
    "invalid_response",
    "resp_valid",
    "resp_invalid",
    "self_calls",
    "lat_sum_us",
    "lat_b0",
    "lat_b1",
    "lat_b2",
    "lat_b3",
    "lat_b4",
    "lat_b5",
    "lat_b6",
    "lat_b7",
    "lat_b8",
    "lat_b9",
    "lat_b10",
    "lat_b11",
    "probes",
    "probe_answered",
    "probe_source_error",
    "probe_resp_valid",
    "probe_resp_invalid",
    "spared",
    "clean_checked",
    "clean",
];
pub const N: usize = 35;

pub const REQUESTS: usize = 0;
pub const SERVED: usize = 1;
pub const NOT_FOUND: usize = 2;
pub const REFUSED: usize = 3;
pub const REFUSED_JUSTIFIED: usize = 4;
pub const REFUSED_SOURCE: usize = 5;
pub const EXEMPT: usize = 6;
pub const REJECTED: usize = 7;
pub const RATE_LIMITED: usize = 8;
pub const SOURCE_ERROR: usize = 9;
pub const INVALID_RESPONSE: usize = 10;
pub const RESP_VALID: usize = 11;
pub const RESP_INVALID: usize = 12;
pub const SELF_CALLS: usize = 13;
pub const LAT_SUM_US: usize = 14;
pub const LAT_B0: usize = 15;
/// Readiness probes (never demand: none of the counters above counts them).
pub const PROBES: usize = 27;
/// Probes the source answered (data, or "no such record").
pub const PROBE_ANSWERED: usize = 28;
pub const PROBE_SOURCE_ERROR: usize = 29;
pub const PROBE_RESP_VALID: usize = 30;
pub const PROBE_RESP_INVALID: usize = 31;
/// Documents citizens were spared: served lookups about a data subject by another agency.
pub const SPARED: usize = 32;
/// Data answers (probes included) checked for repeated array elements, and those with none.
pub const CLEAN_CHECKED: usize = 33;
pub const CLEAN: usize = 34;

/// Upper bounds (inclusive, ms) of the fixed latency buckets; the last bucket is "above 10 s".
/// Fixed so that hourly histograms can be added and percentiles merged exactly.
pub const LATENCY_BOUNDS_MS: [i64; 11] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
pub const LATENCY_BUCKETS: usize = 12;

/// The counters of one cell, plus first and last (non-self) serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    pub c: [i64; N],
    pub first_served_ms: Option<i64>,
    pub last_served_ms: Option<i64>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            c: [0; N],
            first_served_ms: None,
            last_served_ms: None,
        }
    }
}

impl Counters {
    /// Add `o` into `self` (counters add, first/last take min/max).
    pub fn add(&mut self, o: &Counters) {
        for (a, b) in self.c.iter_mut().zip(o.c.iter()) {
            *a += b;
        }
        self.first_served_ms = min_opt(self.first_served_ms, o.first_served_ms);
        self.last_served_ms = max_opt(self.last_served_ms, o.last_served_ms);
    }

    /// The latency histogram of served requests.
    pub fn latency(&self) -> [i64; LATENCY_BUCKETS] {
        let mut h = [0; LATENCY_BUCKETS];
        h.copy_from_slice(&self.c[LAT_B0..LAT_B0 + LATENCY_BUCKETS]);
        h
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Index of the latency bucket for `latency_us`.
pub fn bucket(latency_us: i64) -> usize {
    let ms_ceil = (latency_us.max(0) + 999) / 1000;
    LATENCY_BOUNDS_MS
        .iter()
        .position(|&b| ms_ceil <= b)
        .unwrap_or(LATENCY_BUCKETS - 1)
}

/// The fields of one audit record that a rollup needs.
#[derive(Debug, Clone)]
pub struct Facts {
    pub ts_ms: i64,
    pub consumer: Option<String>,
    pub agency: String,
    pub dataset: String,
    pub outcome: Outcome,
    pub justification: Option<JustificationStatus>,
    /// The refusal came from the source (`decided_by = source:…`), not from a policy rule.
    pub decided_by_source: bool,
    pub response_schema: SchemaResult,
    pub latency_us: i64,
    /// A readiness probe (`dxgate-probe`), not demand.
    pub probe: bool,
    /// The record names a data subject (its `subject_hash` is set).
    pub subject: bool,
    pub data_as_of_ms: Option<i64>,
    pub duplicates: Option<u32>,
}

/// Which agency each consumer acts for (calls to one's own agency are ignored), and the time
/// zone in which consumer-days are counted.
#[derive(Debug, Clone, Default)]
pub struct ConsumerAgencies(HashMap<String, String>, Zone);

impl ConsumerAgencies {
    pub fn from_catalog(catalog: &Catalog) -> Self {
        Self::from_pairs(
            catalog
                .consumers
                .values()
                .filter_map(|c| Some((c.id.clone(), c.agency.as_ref()?.to_string()))),
        )
    }

    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        ConsumerAgencies(pairs.into_iter().collect(), Zone::default())
    }

    /// The same map, counting days in `zone` (`[ranking] timezone`).
    pub fn in_zone(self, zone: &Zone) -> Self {
        ConsumerAgencies(self.0, zone.clone())
    }

    /// The zone consumer-days are counted in.
    pub fn zone(&self) -> &Zone {
        &self.1
    }

    /// True when `consumer` acts for `agency` itself.
    pub fn is_self(&self, consumer: Option<&str>, agency: &str) -> bool {
        consumer
            .and_then(|c| self.0.get(c))
            .is_some_and(|a| a == agency)
    }

    /// A stable digest of the map: rollups built under another map are rebuilt.
    pub fn fingerprint(&self) -> String {
        let mut pairs: Vec<_> = self.0.iter().collect();
        pairs.sort();
        let mut h = Sha256::new();
        // Consumer-days counted in another time zone are other days: rebuild then too.
        h.update(self.1.name().as_bytes());
        h.update([0]);
        for (c, a) in pairs {
            h.update((c.len() as u32).to_be_bytes());
            h.update(c.as_bytes());
            h.update((a.len() as u32).to_be_bytes());
            h.update(a.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Cell key: (hour or day, agency, dataset).
pub type Key = (i64, String, String);

/// Per (agency, dataset): the last answered probe and the newest date the data declared.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    pub last_probe_ok_ms: Option<i64>,
    pub data_as_of_ms: Option<i64>,
}

/// What a page of records adds to the rollups.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delta {
    pub hourly: BTreeMap<Key, Counters>,
    /// (agency, dataset) → liveness facts seen in this page.
    pub liveness: BTreeMap<(String, String), Liveness>,
    /// (day, agency, consumer) with evidence.
    pub consumer_days: BTreeSet<Key>,
    pub records: u64,
}

impl Delta {
    /// Count one record.
    pub fn add(&mut self, f: &Facts, agencies: &ConsumerAgencies) {
        self.records += 1;
        if f.outcome == Outcome::Event {
            // Witnessed events (reads, summaries, rule changes) are not requests to an agency.
            return;
        }
        let hour = f.ts_ms.div_euclid(HOUR_MS);
        let cell = self
            .hourly
            .entry((hour, f.agency.clone(), f.dataset.clone()))
            .or_default();
        if let Some(n) = f.duplicates {
            cell.c[CLEAN_CHECKED] += 1;
            if n == 0 {
                cell.c[CLEAN] += 1;
            }
        }
        let answered = matches!(f.outcome, Outcome::Served | Outcome::InvalidResponse);
        if f.data_as_of_ms.is_some() || (f.probe && answered) {
            let l = self
                .liveness
                .entry((f.agency.clone(), f.dataset.clone()))
                .or_default();
            l.data_as_of_ms = max_opt(l.data_as_of_ms, f.data_as_of_ms);
            if f.probe && answered {
                l.last_probe_ok_ms = max_opt(l.last_probe_ok_ms, Some(f.ts_ms));
            }
        }
        if f.probe {
            // Measured for availability, validity and freshness; never demand.
            let c = &mut cell.c;
            c[PROBES] += 1;
            match f.outcome {
                Outcome::Served | Outcome::InvalidResponse => c[PROBE_ANSWERED] += 1,
                Outcome::SourceError => c[PROBE_SOURCE_ERROR] += 1,
                _ => {}
            }
            match f.response_schema {
                SchemaResult::Valid => c[PROBE_RESP_VALID] += 1,
                SchemaResult::Invalid => c[PROBE_RESP_INVALID] += 1,
                SchemaResult::NotChecked => {}
            }
            return;
        }
        if agencies.is_self(f.consumer.as_deref(), &f.agency) {
            cell.c[SELF_CALLS] += 1;
            return;
        }
        let c = &mut cell.c;
        c[REQUESTS] += 1;
        match f.outcome {
            Outcome::Served => {
                c[SERVED] += 1;
                if f.response_schema == SchemaResult::NotChecked {
                    c[NOT_FOUND] += 1;
                } else if f.subject {
                    c[SPARED] += 1;
                }
                c[LAT_SUM_US] += f.latency_us.max(0);
                c[LAT_B0 + bucket(f.latency_us)] += 1;
                cell.first_served_ms = min_opt(cell.first_served_ms, Some(f.ts_ms));
                cell.last_served_ms = max_opt(cell.last_served_ms, Some(f.ts_ms));
            }
            Outcome::Refused => {
                c[REFUSED] += 1;
                if f.justification == Some(JustificationStatus::Justified) {
                    c[REFUSED_JUSTIFIED] += 1;
                }
                if f.decided_by_source {
                    c[REFUSED_SOURCE] += 1;
                }
            }
            Outcome::Exempt => c[EXEMPT] += 1,
            Outcome::RejectedRequest | Outcome::Unauthenticated => c[REJECTED] += 1,
            Outcome::RateLimited => c[RATE_LIMITED] += 1,
            Outcome::SourceError => c[SOURCE_ERROR] += 1,
            Outcome::InvalidResponse => c[INVALID_RESPONSE] += 1,
            Outcome::Event => {}
        }
        match f.response_schema {
            SchemaResult::Valid => c[RESP_VALID] += 1,
            SchemaResult::Invalid => c[RESP_INVALID] += 1,
            SchemaResult::NotChecked => {}
        }
        let evidence = matches!(
            f.outcome,
            Outcome::Served | Outcome::Refused | Outcome::SourceError | Outcome::InvalidResponse
        );
        if let (true, Some(consumer)) = (evidence, &f.consumer) {
            self.consumer_days.insert((
                agencies.zone().day_of(f.ts_ms),
                f.agency.clone(),
                consumer.clone(),
            ));
        }
    }

    /// The same counters per (day, agency, dataset).
    pub fn daily(&self) -> BTreeMap<Key, Counters> {
        let mut out: BTreeMap<Key, Counters> = BTreeMap::new();
        for ((hour, a, d), c) in &self.hourly {
            out.entry((hour.div_euclid(24), a.clone(), d.clone()))
                .or_default()
                .add(c);
        }
        out
    }

    /// First and last serve per (agency, dataset).
    pub fn datasets(&self) -> BTreeMap<(String, String), (Option<i64>, Option<i64>)> {
        let mut out: BTreeMap<(String, String), (Option<i64>, Option<i64>)> = BTreeMap::new();
        for ((_, a, d), c) in &self.hourly {
            let e = out.entry((a.clone(), d.clone())).or_default();
            e.0 = min_opt(e.0, c.first_served_ms);
            e.1 = max_opt(e.1, c.last_served_ms);
        }
        out
    }
}

#[cfg(test)]
mod tests;
