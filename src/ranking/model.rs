//! The published ranking: what `/public/ranking.json` serves and every renderer reads.

use serde::Serialize;

use super::indicators::Pillar;

/// One computed ranking.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    /// Version of `docs/methodology.md` these numbers follow.
    pub methodology: &'static str,
    pub methodology_url: &'static str,
    pub computed_ms: i64,
    pub window: Window,
    pub parameters: Parameters,
    pub indicators: Vec<IndicatorInfo>,
    pub groups: Vec<GroupInfo>,
    /// Every unit of the register: by overall rank (not_connected last), then those with
    /// insufficient data by id.
    pub agencies: Vec<AgencyResult>,
}

impl Ranking {
    /// Every overdue mandate, with its unit, in ranking order.
    pub fn overdue(&self) -> Vec<(&AgencyResult, &MandateStatus)> {
        self.agencies
            .iter()
            .flat_map(|a| a.mandated.iter().map(move |m| (a, m)))
            .filter(|(_, m)| m.state == MandateState::Overdue)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
    pub days: u32,
}

/// Every tunable the numbers depend on, published with them.
#[derive(Debug, Clone, Serialize)]
pub struct Parameters {
    pub min_consumer_days: u32,
    pub prior_consumer_days: f64,
    pub latency_target_ms: i64,
    pub pillar_weights: Vec<(Pillar, f64)>,
    pub tiers: &'static str,
    pub review_within_days: i64,
    /// IANA time zone in which days and deadlines are counted.
    pub timezone: crate::calendar::Zone,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub pillar: Pillar,
    pub floor: f64,
    pub target: f64,
    pub means: &'static str,
    /// Pooled value over every agency with evidence (what small samples shrink toward).
    pub cohort_mean: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupInfo {
    pub id: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ranked,
    InsufficientData,
    /// In the register but never connected (no agency file), or none of its due mandated
    /// datasets ever served: coverage 0, ranked at the bottom.
    NotConnected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ranked => "ranked",
            Status::InsufficientData => "insufficient_data",
            Status::NotConnected => "not_connected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Ranked => "ranked",
            Status::InsufficientData => "insufficient data",
            Status::NotConnected => "not connected",
        }
    }
}

/// A rank with its plausible range (from the score intervals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RankInfo {
    pub rank: u32,
    pub best: u32,
    pub worst: u32,
    pub of: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencyResult {
    /// The unit's id in the mandate register.
    pub id: String,
    /// Official administrative code (or the register's code for ministries and sectors).
    pub code: String,
    /// English name.
    pub name: String,
    pub name_vi: String,
    /// The agency file that connects the unit, if any.
    pub agency: Option<String>,
    pub kind: &'static str,
    pub group: &'static str,
    pub status: Status,
    /// Distinct (consumer, day) pairs with evidence in the window: the sample size.
    pub consumer_days: i64,
    pub score: Option<f64>,
    pub score_low: Option<f64>,
    pub score_high: Option<f64>,
    pub tier: Option<&'static str>,
    pub rank: Option<RankInfo>,
    pub group_rank: Option<RankInfo>,
    pub pillars: Vec<PillarResult>,
    pub indicators: Vec<IndicatorResult>,
    pub latency: LatencyResult,
    pub counts: Counts,
    pub mandated: Vec<MandateStatus>,
    /// Documents citizens were spared: served lookups about a person or enterprise made by
    /// another agency (a paper the citizen did not have to bring). Published, not weighted.
    pub documents_spared: i64,
    /// Share of data answers (probes included) without repeated records: "clean". Published,
    /// not weighted (see the methodology).
    pub clean: Option<f64>,
    /// Per dataset: documents spared, probes, data age, clean share.
    pub datasets: Vec<DatasetFigures>,
    pub trend: Vec<TrendPoint>,
}

/// One dataset's published figures besides the indicators.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetFigures {
    pub dataset: String,
    pub documents_spared: i64,
    /// Readiness probes recorded in the window, and those the source answered.
    pub probes: i64,
    pub probes_answered: i64,
    /// The dataset has a probe request (declared, or from its schema's examples).
    pub probed: bool,
    pub last_probe_ok_ms: Option<i64>,
    /// The newest date/time its data declared at its `freshness_pointer`.
    pub data_as_of_ms: Option<i64>,
    pub freshness: Option<f64>,
    pub clean: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PillarResult {
    pub pillar: Pillar,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorResult {
    pub id: &'static str,
    pub applicable: bool,
    pub numerator: f64,
    pub denominator: f64,
    /// Observed value.
    pub value: Option<f64>,
    /// After shrinkage toward the cohort mean (equal to `value` where not shrunk).
    pub adjusted: Option<f64>,
    pub score: Option<f64>,
    pub score_low: Option<f64>,
    pub score_high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatencyResult {
    pub samples: i64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub under_target_share: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub requests: i64,
    pub served: i64,
    pub refused: i64,
    pub refused_justified: i64,
    pub refused_unjustified: i64,
    pub exempt: i64,
    pub source_error: i64,
    pub invalid_response: i64,
    /// Calls from the agency's own consumers: ignored by every indicator.
    pub self_calls: i64,
    pub reviews_upheld: i64,
    pub reviews_overturned: i64,
    /// Readiness probes (never demand): recorded, answered, failed at the source.
    pub probes: i64,
    pub probes_answered: i64,
    pub probes_source_error: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MandateState {
    /// First served by the deadline.
    Met,
    /// First served after the deadline.
    Late,
    /// Deadline passed, never served.
    Overdue,
    /// Deadline not reached, not served yet.
    Pending,
}

impl MandateState {
    pub fn as_str(self) -> &'static str {
        match self {
            MandateState::Met => "met",
            MandateState::Late => "late",
            MandateState::Overdue => "overdue",
            MandateState::Pending => "pending",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MandateStatus {
    pub dataset: String,
    pub title: String,
    /// The deadline in force (after extensions), `YYYY-MM-DD` in `[ranking] timezone`.
    pub deadline: String,
    pub official: String,
    /// What must be delivered.
    pub task: String,
    /// `agency/dataset`.
    pub product: String,
    pub assigned_by: String,
    pub instrument: String,
    /// The original deadline and how many times it was extended.
    pub original_deadline: String,
    pub extensions: usize,
    /// The dataset is declared (and routable) in its agency file.
    pub connected: bool,
    pub state: MandateState,
    pub first_served_ms: Option<i64>,
}

/// One daily snapshot's figure for an agency.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    /// Days since 1970-01-01 (the local date in `[ranking] timezone`).
    pub day: i64,
    pub score: Option<f64>,
    pub rank: Option<u32>,
}
