//! `[ranking]` in `dxgate.toml`: how often rollups run and the few published parameters that a
//! deployment may tune (every value used is published with the ranking).

use std::time::Duration;

use serde::Deserialize;

/// `[ranking]`: the readiness ranking.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankingSettings {
    /// How often the background task rolls new audit records up. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub rollup_interval: Duration,
    /// Window of the published ranking. Default `90d`.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
    /// How long a computed public ranking is reused before it is computed again. Default `60s`.
    #[serde(with = "humantime_serde")]
    pub cache_ttl: Duration,
    /// Distinct consumer-days an agency needs in the window to be ranked. Default 20.
    pub min_consumer_days: u32,
    /// IANA time zone in which days and deadlines are counted (consumer-days, daily snapshots,
    /// mandate deadlines, the daily monitoring report). Default `Asia/Ho_Chi_Minh`.
    pub timezone: crate::calendar::Zone,
}

impl Default for RankingSettings {
    fn default() -> Self {
        RankingSettings {
            rollup_interval: Duration::from_secs(30),
            window: crate::calendar::days(90),
            cache_ttl: Duration::from_secs(60),
            min_consumer_days: 20,
            timezone: crate::calendar::Zone::default(),
        }
    }
}
