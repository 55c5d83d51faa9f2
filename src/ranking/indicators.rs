//! The indicators of Methodology v1.1: definitions, fixed targets, scoring, shrinkage and
//! uncertainty. Everything here is a pure function of counts; see `docs/methodology.md`.

use serde::Serialize;

use super::rollup::{LATENCY_BOUNDS_MS, LATENCY_BUCKETS};

/// The methodology these definitions implement (also the heading of `docs/methodology.md`).
pub const METHODOLOGY_VERSION: &str = "1.1";
/// Strength of the prior, in consumer-days: how much a small sample leans to the cohort mean.
pub const PRIOR_CONSUMER_DAYS: f64 = 10.0;
/// A served request is fast when the gateway answered within this many ms.
pub const LATENCY_TARGET_MS: i64 = 1000;
/// z for the 90 % Wilson interval behind score intervals and rank intervals.
const Z90: f64 = 1.645;

/// The three pillars and their weights in the overall score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pillar {
    Sharing,
    Service,
    Quality,
}

impl Pillar {
    pub const ALL: [Pillar; 3] = [Pillar::Sharing, Pillar::Service, Pillar::Quality];

    pub fn weight(self) -> f64 {
        match self {
            Pillar::Sharing => 0.4,
            Pillar::Service => 0.3,
            Pillar::Quality => 0.3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Pillar::Sharing => "sharing",
            Pillar::Service => "service",
            Pillar::Quality => "quality",
        }
    }
}

/// One indicator's definition: a value in 0..=1 scored linearly from `floor` (0) to `target` (100).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Def {
    pub id: &'static str,
    pub name: &'static str,
    pub pillar: Pillar,
    pub floor: f64,
    pub target: f64,
    /// Shrunk toward the cohort mean (rates of requests) or taken as is (counts of datasets).
    pub shrunk: bool,
    pub means: &'static str,
}

pub const COVERAGE: usize = 0;
pub const SHARING: usize = 1;
pub const JUSTIFICATION: usize = 2;
pub const AVAILABILITY: usize = 3;
pub const LATENCY: usize = 4;
pub const VALIDITY: usize = 5;
pub const COMPLETENESS: usize = 6;
pub const FRESHNESS: usize = 7;

pub const DEFS: [Def; 8] = [
    Def { id: "coverage", name: "Mandated datasets connected on time", pillar: Pillar::Sharing, floor: 0.0, target: 1.0, shrunk: false,
          means: "share of mandated datasets whose deadline has passed that were first served by their deadline (late: half credit)" },
    Def { id: "sharing_rate", name: "Sharing rate", pillar: Pillar::Sharing, floor: 0.5, target: 0.98, shrunk: true,
          means: "served / (served + refused); exemptions excluded" },
    Def { id: "refusal_justification", name: "Refusals justified", pillar: Pillar::Sharing, floor: 0.5, target: 1.0, shrunk: true,
          means: "refusals with a justification that oversight has not overturned / refusals" },
    Def { id: "availability", name: "Source availability", pillar: Pillar::Service, floor: 0.9, target: 0.995, shrunk: true,
          means: "answers / (answers + source errors) among valid requests forwarded to the source, readiness probes included" },
    Def { id: "latency", name: "Fast answers", pillar: Pillar::Service, floor: 0.5, target: 0.95, shrunk: true,
          means: "share of served requests answered within 1000 ms" },
    Def { id: "validity", name: "Valid responses", pillar: Pillar::Quality, floor: 0.8, target: 1.0, shrunk: true,
          means: "responses passing the published response schema / responses checked, readiness probes included" },
    Def { id: "completeness", name: "Complete responses", pillar: Pillar::Quality, floor: 0.8, target: 1.0, shrunk: true,
          means: "responses of datasets whose schema declares required fields that passed it (all required fields present)" },
    Def { id: "freshness", name: "Freshness", pillar: Pillar::Quality, floor: 0.0, target: 1.0, shrunk: false,
          means: "per dataset with a refresh period: 1 if its data is younger than the period, else period / age; age from the date at its freshness_pointer, else from the last answer to a consumer or readiness probe; averaged" },
];

/// A measured ratio.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ratio {
    pub num: f64,
    pub den: f64,
}

impl Ratio {
    pub fn new(num: i64, den: i64) -> Ratio {
        Ratio {
            num: num as f64,
            den: den as f64,
        }
    }

    pub fn value(self) -> Option<f64> {
        (self.den > 0.0).then(|| (self.num / self.den).clamp(0.0, 1.0))
    }
}

/// The 0-100 score of `value` for `def` (fixed targets, never relative to other agencies).
pub fn score(def: &Def, value: f64) -> f64 {
    ((value - def.floor) / (def.target - def.floor)).clamp(0.0, 1.0) * 100.0
}

/// Shrink an observed rate toward the cohort mean with `n` units of evidence.
pub fn shrink(value: f64, n: f64, cohort_mean: f64) -> f64 {
    (value * n + cohort_mean * PRIOR_CONSUMER_DAYS) / (n + PRIOR_CONSUMER_DAYS)
}

/// 90 % Wilson score interval of a proportion `p` observed over `n` units.
pub fn wilson(p: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let z2 = Z90 * Z90;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z90 * ((p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()) / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// p-quantile (0..1) of a latency histogram in ms, interpolated inside its bucket. Requests in
/// the last bucket (above 10 s) are reported as 10 000 ms.
pub fn percentile_ms(hist: &[i64; LATENCY_BUCKETS], q: f64) -> Option<f64> {
    let total: i64 = hist.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut below = 0i64;
    for (i, &n) in hist.iter().enumerate() {
        if n > 0 && (below + n) as f64 >= rank {
            let lo = if i == 0 { 0 } else { LATENCY_BOUNDS_MS[i - 1] } as f64;
            let Some(&hi) = LATENCY_BOUNDS_MS.get(i) else {
                return Some(lo);
            };
            let frac = ((rank - below as f64) / n as f64).clamp(0.0, 1.0);
            return Some(lo + (hi as f64 - lo) * frac);
        }
        below += n;
    }
    Some(*LATENCY_BOUNDS_MS.last().unwrap_or(&0) as f64)
}

/// Served requests within [`LATENCY_TARGET_MS`].
pub fn under_target(hist: &[i64; LATENCY_BUCKETS]) -> i64 {
    let last = LATENCY_BOUNDS_MS
        .iter()
        .position(|&b| b == LATENCY_TARGET_MS)
        .unwrap_or(LATENCY_BUCKETS - 1);
    hist[..=last].iter().sum()
}

/// The bottom tier, where every `not_connected` unit is placed.
pub const BOTTOM_TIER: &str = "D";

/// Letter tier of an overall score.
pub fn tier(score: f64) -> &'static str {
    if score >= 85.0 {
        "A"
    } else if score >= 70.0 {
        "B"
    } else if score >= 50.0 {
        "C"
    } else {
        "D"
    }
}

/// Round to one decimal, for stable published numbers.
pub fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Round to four decimals (rates).
pub fn r4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_use_fixed_targets() {
        let d = &DEFS[SHARING];
        assert_eq!(score(d, 0.98), 100.0);
        assert_eq!(score(d, 1.0), 100.0);
        assert_eq!(score(d, 0.5), 0.0);
        assert_eq!(score(d, 0.2), 0.0);
        assert!((score(d, 0.74) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn small_samples_lean_to_the_mean() {
        assert!((shrink(1.0, 1.0, 0.5) - 0.545_454).abs() < 1e-5);
        assert!(shrink(1.0, 10_000.0, 0.5) > 0.999);
        let (lo, hi) = wilson(0.5, 4.0);
        assert!(lo < 0.2 && hi > 0.8);
        let (lo, hi) = wilson(0.5, 10_000.0);
        assert!(hi - lo < 0.02);
    }

    #[test]
    fn percentiles_merge_from_buckets() {
        let mut h = [0i64; LATENCY_BUCKETS];
        h[0] = 50; // ≤ 5 ms
        h[7] = 50; // 500-1000 ms
        assert!(percentile_ms(&h, 0.5).unwrap() <= 5.0);
        let p99 = percentile_ms(&h, 0.99).unwrap();
        assert!(p99 > 500.0 && p99 <= 1000.0);
        assert_eq!(under_target(&h), 100);
        h[11] = 1;
        assert_eq!(percentile_ms(&h, 1.0), Some(10_000.0));
        assert_eq!(percentile_ms(&[0; LATENCY_BUCKETS], 0.5), None);
    }
}
