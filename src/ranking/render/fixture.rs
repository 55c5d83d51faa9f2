//! A ranking with every part a page can show (ranked and unranked agencies, a group, overdue
//! and met mandates, a trend, text that needs escaping), for the renderers' tests.

use crate::ranking::indicators::{Pillar, DEFS};
use crate::ranking::model::*;

/// A connected mandate on the usual terms; the tests set what tells two apart.
fn mandate() -> MandateStatus {
    MandateStatus {
        dataset: String::new(),
        title: String::new(),
        deadline: String::new(),
        official: String::new(),
        task: "Connect and serve the dataset".into(),
        product: "x/y".into(),
        assigned_by: "Prime Minister".into(),
        instrument: "Directive 1/CT-TTg".into(),
        original_deadline: "2024-01-01".into(),
        extensions: 0,
        connected: true,
        state: MandateState::Met,
        first_served_ms: None,
    }
}

fn agency(id: &str, name: &str, score: Option<f64>, rank: Option<u32>) -> AgencyResult {
    let ranked = rank.is_some();
    AgencyResult {
        id: id.into(),
        code: format!("B-{id}"),
        name: name.into(),
        name_vi: format!("Bộ {name}"),
        agency: Some(id.into()),
        kind: "ministry",
        group: "central",
        status: if ranked {
            Status::Ranked
        } else {
            Status::InsufficientData
        },
        consumer_days: if ranked { 42 } else { 3 },
        score,
        score_low: score.map(|s| s - 4.5),
        score_high: score.map(|s| s + 3.25),
        tier: score.map(|s| if s >= 85.0 { "A" } else { "C" }),
        rank: rank.map(|r| RankInfo {
            rank: r,
            best: r,
            worst: r + 1,
            of: 2,
        }),
        group_rank: rank.map(|r| RankInfo {
            rank: r,
            best: r,
            worst: r,
            of: 2,
        }),
        pillars: Pillar::ALL
            .iter()
            .map(|p| PillarResult {
                pillar: *p,
                score: score.map(|s| s - 1.0),
            })
            .collect(),
        indicators: DEFS
            .iter()
            .enumerate()
            .map(|(i, d)| IndicatorResult {
                id: d.id,
                applicable: i != 1,
                numerator: 9.0,
                denominator: 10.0,
                value: Some(0.9),
                adjusted: Some(0.8876),
                score: score.map(|_| 70.0 + i as f64),
                score_low: Some(60.0),
                score_high: Some(80.0),
            })
            .collect(),
        latency: LatencyResult {
            samples: 10,
            p50_ms: Some(12.0),
            p95_ms: Some(250.5),
            p99_ms: None,
            under_target_share: Some(0.9),
        },
        counts: Counts {
            requests: 20,
            served: 15,
            refused: 3,
            refused_justified: 2,
            refused_unjustified: 1,
            exempt: 1,
            source_error: 1,
            invalid_response: 0,
            self_calls: 4,
            reviews_upheld: 1,
            reviews_overturned: 1,
            probes: 2,
            probes_answered: 1,
            probes_source_error: 1,
        },
        documents_spared: 12,
        clean: Some(0.95),
        datasets: vec![DatasetFigures {
            dataset: "ledger".into(),
            documents_spared: 12,
            probes: 2,
            probes_answered: 1,
            probed: true,
            last_probe_ok_ms: Some(1_700_000_000_000),
            data_as_of_ms: None,
            freshness: Some(1.0),
            clean: Some(0.95),
        }],
        mandated: vec![
            MandateStatus {
                dataset: "ledger".into(),
                title: "Ledger <of> \"everything\"".into(),
                deadline: "2024-01-31".into(),
                official: "Ms. O'Brien & co".into(),
                state: MandateState::Overdue,
                first_served_ms: None,
                ..mandate()
            },
            MandateStatus {
                dataset: "registry".into(),
                title: "Registry".into(),
                deadline: "2024-03-01".into(),
                official: "Mr. Tran".into(),
                state: MandateState::Met,
                first_served_ms: Some(1_709_000_000_000),
                ..mandate()
            },
        ],
        trend: if ranked {
            vec![
                TrendPoint {
                    day: 19_700,
                    score: Some(61.0),
                    rank: Some(2),
                },
                TrendPoint {
                    day: 19_701,
                    score: None,
                    rank: None,
                },
                TrendPoint {
                    day: 19_702,
                    score: Some(70.2),
                    rank: Some(1),
                },
            ]
        } else {
            Vec::new()
        },
    }
}

/// Two ranked agencies (one with a hostile name), one with too little data.
pub fn ranking() -> Ranking {
    Ranking {
        methodology: "1.0",
        methodology_url: "/public/methodology",
        computed_ms: 1_709_164_845_000,
        window: Window {
            from_ms: 1_701_388_800_000,
            to_ms: 1_709_164_800_000,
            days: 90,
        },
        parameters: Parameters {
            min_consumer_days: 20,
            prior_consumer_days: 10.0,
            latency_target_ms: 1000,
            pillar_weights: Vec::new(),
            tiers: "A >= 85, B >= 70, C >= 50, D < 50",
            review_within_days: 30,
            timezone: crate::calendar::Zone::default(),
        },
        indicators: Vec::new(),
        groups: vec![
            GroupInfo {
                id: "central",
                name: "Ministries & sectors",
            },
            GroupInfo {
                id: "provinces",
                name: "Provinces",
            },
        ],
        agencies: vec![
            agency("alpha", "Alpha Ministry", Some(88.04), Some(1)),
            agency(
                "beta",
                "Beta <script>alert('x')</script> & \"Co\"",
                Some(55.5),
                Some(2),
            ),
            agency("gamma", "Gamma Province", None, None),
        ],
    }
}
