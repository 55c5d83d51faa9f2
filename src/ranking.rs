//! The public readiness ranking of agencies, derived from the audit log and the catalogue.
//!
//! # Layout
//! - [`rollup`]: counters per (hour, agency, dataset) that one record adds; self-calls apart.
//! - [`rollup_store`]: incremental catch-up by (node, seq) watermark, rebuild, full recompute.
//! - [`indicators`]: Methodology v1.1 — definitions, fixed targets, shrinkage, intervals.
//! - [`inputs`]: window sums read from the rollups; [`engine`]: scores, tiers and ranks;
//!   [`mandates`]: mandated datasets met, late, overdue or pending; [`liveness`]: data age
//!   (freshness), readiness probes and documents spared per dataset.
//! - [`model`]: the published [`Ranking`]; [`snapshot`]: daily history and trends.
//! - [`edition`]: dated official editions — each finished day's ranking frozen, stored and
//!   signed with the checkpoint key; [`edition::verify`] checks one offline.
//! - [`service`]: background rollups and the cache behind the public pages.
//! - [`render`]: table, CSV, JSON and the HTML page (served at `/public/*` by the server).
//! - [`daily`]: the daily monitoring report (per unit: mandates due and overdue, refusals,
//!   newly connected datasets, review backlog).
//!
//! The raw audit records stay the source of truth: the rollups can be dropped at any time and
//! a full recompute gives the same numbers.

pub mod daily;
pub mod edition;
pub mod engine;
pub mod indicators;
pub mod inputs;
pub mod liveness;
pub mod mandates;
pub mod model;
mod ranks;
pub mod render;
pub mod rollup;
pub mod rollup_store;
mod service;
mod settings;
pub mod snapshot;

pub use model::Ranking;
pub use service::Service;
pub use settings::RankingSettings;

/// Longest window accepted, in days.
pub const MAX_WINDOW_DAYS: u32 = 400;

/// The ranking could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum RankingError {
    #[error(transparent)]
    Store(#[from] crate::audit::StoreError),
    #[error("ranking store: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the audit store holds a malformed record: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Edition(#[from] edition::EditionError),
}

/// A window written like `30d` (whole days, 1 to 400).
#[derive(Debug, thiserror::Error)]
#[error("window {0:?}: write whole days from 1d to 400d, e.g. 30d")]
pub struct BadWindow(pub String);

/// Parse `30d` / `90 days` into whole days.
pub fn parse_window(s: &str) -> Result<u32, BadWindow> {
    let d = humantime::parse_duration(s.trim()).map_err(|_| BadWindow(s.to_owned()))?;
    crate::calendar::exact_days(d)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_WINDOW_DAYS).contains(n))
        .ok_or_else(|| BadWindow(s.to_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn windows_are_whole_days() {
        assert_eq!(super::parse_window("30d").unwrap(), 30);
        assert_eq!(super::parse_window("1day").unwrap(), 1);
        assert!(super::parse_window("12h").is_err());
        assert!(super::parse_window("0d").is_err());
        assert!(super::parse_window("401d").is_err());
        assert!(super::parse_window("x").is_err());
    }
}
