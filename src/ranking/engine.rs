//! The ranking engine: indicators per unit of the mandate register from window sums, pillars,
//! overall score, score intervals, ranks with their plausible range, overall and per group. A
//! pure function of its inputs and `now`, so the same inputs always publish the same numbers.
//!
//! Every unit is published. Ranks are given in three bands, each ordered by score: units
//! meeting their mandates, then units with overdue unmet mandates, then `not_connected` units
//! (bottom tier); units with thin traffic and nothing overdue stay `insufficient_data`.

use super::indicators::{self as ind, Def, Pillar, Ratio, DEFS};
use super::inputs::Inputs;
use super::model::*;
use super::ranks::assign_ranks;
use super::rollup::{self as r, ConsumerAgencies, Counters};
use crate::config::register::Unit;
use std::collections::BTreeMap;

use crate::config::Catalog;
use crate::oversight::{Verdict, REVIEW_WITHIN_DAYS};

/// Compute the ranking of every agency in `catalog`.
pub fn compute(
    catalog: &Catalog,
    agencies: &ConsumerAgencies,
    inputs: &Inputs,
    min_consumer_days: u32,
    now_ms: i64,
) -> Ranking {
    let window = inputs.window.unwrap_or(super::inputs::window(90, now_ms));
    let measured: Vec<Measured> = catalog
        .register
        .units
        .iter()
        .map(|u| measure(catalog, u, agencies, inputs, now_ms))
        .collect();
    let cohort: Vec<Option<f64>> = (0..DEFS.len())
        .map(|i| {
            let (n, d) = measured.iter().fold((0.0, 0.0), |(n, d), m| {
                (n + m.ratios[i].num, d + m.ratios[i].den)
            });
            (DEFS[i].shrunk && d > 0.0).then(|| (n / d).clamp(0.0, 1.0))
        })
        .collect();
    let mut results: Vec<AgencyResult> = measured
        .into_iter()
        .map(|m| score_agency(m, &cohort, min_consumer_days, inputs))
        .collect();
    assign_ranks(&mut results, |_| true, |a, r| a.rank = Some(r));
    for g in ["central", "provinces"] {
        assign_ranks(
            &mut results,
            |a| a.group == g,
            |a, r| a.group_rank = Some(r),
        );
    }
    results.sort_by(|a, b| match (a.rank, b.rank) {
        (Some(x), Some(y)) => x.rank.cmp(&y.rank).then_with(|| a.id.cmp(&b.id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.id.cmp(&b.id),
    });
    Ranking {
        methodology: ind::METHODOLOGY_VERSION,
        methodology_url: "/public/methodology",
        computed_ms: now_ms,
        window,
        parameters: Parameters {
            min_consumer_days,
            prior_consumer_days: ind::PRIOR_CONSUMER_DAYS,
            latency_target_ms: ind::LATENCY_TARGET_MS,
            pillar_weights: Pillar::ALL.iter().map(|p| (*p, p.weight())).collect(),
            tiers: "A >= 85, B >= 70, C >= 50, D < 50",
            review_within_days: REVIEW_WITHIN_DAYS,
            timezone: inputs.zone.clone(),
        },
        indicators: DEFS
            .iter()
            .zip(&cohort)
            .map(|(d, m)| IndicatorInfo {
                id: d.id,
                name: d.name,
                pillar: d.pillar,
                floor: d.floor,
                target: d.target,
                means: d.means,
                cohort_mean: m.map(ind::r4),
            })
            .collect(),
        groups: vec![
            GroupInfo {
                id: "central",
                name: "Ministries and sectors",
            },
            GroupInfo {
                id: "provinces",
                name: "Provinces",
            },
        ],
        agencies: results,
    }
}

/// What was measured for one unit, before scoring.
struct Measured {
    unit: Unit,
    connected: bool,
    consumer_days: i64,
    ratios: [Ratio; 8],
    totals: Counters,
    counts: Counts,
    mandated: Vec<MandateStatus>,
    datasets: Vec<DatasetFigures>,
}

fn measure(
    catalog: &Catalog,
    unit: &Unit,
    agencies: &ConsumerAgencies,
    inputs: &Inputs,
    now_ms: i64,
) -> Measured {
    // A unit without an agency file is measured as one with no datasets and no traffic.
    let no_datasets = BTreeMap::new();
    let agency = catalog.agencies.get(&unit.agency);
    let connected = agency.is_some();
    let datasets = agency.map_or(&no_datasets, |a| &a.datasets);
    let id = unit.agency.as_str();
    let mut t = Counters::default();
    let mut complete = (0, 0);
    for ((ag, ds), c) in inputs.cells.range((id.to_owned(), String::new())..) {
        if ag != id || !connected {
            break;
        }
        t.add(c);
        if datasets
            .get(ds)
            .is_some_and(|d| !d.response_schema.required.is_empty())
        {
            complete.0 += c.c[r::RESP_VALID];
            complete.1 += c.c[r::RESP_VALID] + c.c[r::RESP_INVALID];
        }
    }
    let (mut upheld, mut overturned, mut overturned_justified) = (0, 0, 0);
    for v in inputs
        .verdicts
        .iter()
        .filter(|v| connected && v.agency == id)
    {
        if agencies.is_self(v.consumer.as_deref(), id) {
            continue;
        }
        match v.verdict {
            Verdict::Upheld => upheld += 1,
            Verdict::Overturned => {
                overturned += 1;
                if v.justified {
                    overturned_justified += 1;
                }
            }
        }
    }
    let c = &t.c;
    let hist = t.latency();
    let served_timed: i64 = hist.iter().sum();
    let mandated = super::mandates::statuses(catalog, unit, &inputs.served, now_ms, &inputs.zone);
    let due: Vec<f64> = mandated
        .iter()
        .filter_map(|m| match m.state {
            MandateState::Met => Some(1.0),
            MandateState::Late => Some(0.5),
            MandateState::Overdue => Some(0.0),
            MandateState::Pending => None,
        })
        .collect();
    let fresh: Vec<f64> = datasets
        .values()
        .filter_map(|d| super::liveness::freshness(d, inputs, now_ms))
        .collect();
    // Probes count for availability and validity (and freshness), never as demand.
    let answered = c[r::SERVED] + c[r::INVALID_RESPONSE] + c[r::PROBE_ANSWERED];
    let source_errors = c[r::SOURCE_ERROR] + c[r::PROBE_SOURCE_ERROR];
    let (valid, invalid) = (
        c[r::RESP_VALID] + c[r::PROBE_RESP_VALID],
        c[r::RESP_INVALID] + c[r::PROBE_RESP_INVALID],
    );
    // Never connected: coverage 0, even with no mandate due yet.
    let coverage_den = if connected {
        due.len()
    } else {
        due.len().max(1)
    };
    let ratios = [
        Ratio {
            num: due.iter().sum(),
            den: coverage_den as f64,
        },
        Ratio::new(c[r::SERVED], c[r::SERVED] + c[r::REFUSED]),
        Ratio::new(
            (c[r::REFUSED_JUSTIFIED] - overturned_justified).max(0),
            c[r::REFUSED],
        ),
        Ratio::new(answered, answered + source_errors),
        Ratio::new(ind::under_target(&hist), served_timed),
        Ratio::new(valid, valid + invalid),
        Ratio::new(complete.0, complete.1),
        Ratio {
            num: fresh.iter().sum(),
            den: fresh.len() as f64,
        },
    ];
    Measured {
        unit: unit.clone(),
        connected,
        consumer_days: if connected {
            inputs.consumer_days.get(id).copied().unwrap_or(0)
        } else {
            0
        },
        ratios,
        counts: Counts {
            requests: c[r::REQUESTS],
            served: c[r::SERVED],
            refused: c[r::REFUSED],
            refused_justified: c[r::REFUSED_JUSTIFIED],
            refused_unjustified: c[r::REFUSED] - c[r::REFUSED_JUSTIFIED],
            exempt: c[r::EXEMPT],
            source_error: c[r::SOURCE_ERROR],
            invalid_response: c[r::INVALID_RESPONSE],
            self_calls: c[r::SELF_CALLS],
            reviews_upheld: upheld,
            reviews_overturned: overturned,
            probes: c[r::PROBES],
            probes_answered: c[r::PROBE_ANSWERED],
            probes_source_error: c[r::PROBE_SOURCE_ERROR],
        },
        datasets: agency
            .map(|a| super::liveness::datasets(a, inputs, now_ms))
            .unwrap_or_default(),
        totals: t,
        mandated,
    }
}

fn score_agency(
    m: Measured,
    cohort: &[Option<f64>],
    min_consumer_days: u32,
    inputs: &Inputs,
) -> AgencyResult {
    let n_days = m.consumer_days as f64;
    let indicators: Vec<IndicatorResult> = DEFS
        .iter()
        .enumerate()
        .map(|(i, def)| {
            // A probe is evidence of availability and validity as a consumer-day is.
            let probes = m.totals.c[r::PROBES] as f64;
            let n = if i == ind::AVAILABILITY || i == ind::VALIDITY {
                n_days + probes
            } else {
                n_days
            };
            indicator(def, m.ratios[i], n, cohort[i])
        })
        .collect();
    let mean =
        |vals: Vec<f64>| (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64);
    let pillar = |p: Pillar, pick: fn(&IndicatorResult) -> Option<f64>| {
        mean(
            DEFS.iter()
                .zip(&indicators)
                .filter(|(d, _)| d.pillar == p)
                .filter_map(|(_, r)| pick(r))
                .collect(),
        )
    };
    let overall = |pick: fn(&IndicatorResult) -> Option<f64>| {
        let parts: Vec<(f64, f64)> = Pillar::ALL
            .iter()
            .filter_map(|p| Some((pillar(*p, pick)?, p.weight())))
            .collect();
        let w: f64 = parts.iter().map(|p| p.1).sum();
        (w > 0.0).then(|| parts.iter().map(|(s, pw)| s * pw).sum::<f64>() / w)
    };
    let is = |s: MandateState| m.mandated.iter().any(|x| x.state == s);
    let overdue = is(MandateState::Overdue);
    let status = if !m.connected || (overdue && !is(MandateState::Met) && !is(MandateState::Late)) {
        Status::NotConnected
    } else if overdue || m.consumer_days >= i64::from(min_consumer_days) {
        // An overdue mandate is evidence enough: a unit cannot escape the ranking by thin traffic.
        Status::Ranked
    } else {
        Status::InsufficientData
    };
    let score = overall(|r| r.score);
    let hist = m.totals.latency();
    let samples: i64 = hist.iter().sum();
    AgencyResult {
        group: m.unit.group.as_str(),
        kind: m.unit.kind.as_str(),
        status,
        consumer_days: m.consumer_days,
        score: score.map(ind::r1),
        score_low: overall(|r| r.score_low).map(ind::r1),
        score_high: overall(|r| r.score_high).map(ind::r1),
        tier: match status {
            Status::Ranked => score.map(ind::tier),
            Status::InsufficientData => None,
            Status::NotConnected => Some(ind::BOTTOM_TIER),
        },
        rank: None,
        group_rank: None,
        pillars: Pillar::ALL
            .iter()
            .map(|p| PillarResult {
                pillar: *p,
                score: pillar(*p, |r| r.score).map(ind::r1),
            })
            .collect(),
        indicators,
        latency: LatencyResult {
            samples,
            p50_ms: ind::percentile_ms(&hist, 0.50).map(ind::r1),
            p95_ms: ind::percentile_ms(&hist, 0.95).map(ind::r1),
            p99_ms: ind::percentile_ms(&hist, 0.99).map(ind::r1),
            under_target_share: Ratio::new(ind::under_target(&hist), samples)
                .value()
                .map(ind::r4),
        },
        documents_spared: m.totals.c[r::SPARED],
        clean: Ratio::new(m.totals.c[r::CLEAN], m.totals.c[r::CLEAN_CHECKED])
            .value()
            .map(ind::r4),
        counts: m.counts,
        mandated: m.mandated,
        datasets: m.datasets,
        trend: inputs.trend.get(&m.unit.id).cloned().unwrap_or_default(),
        agency: m.connected.then(|| m.unit.agency.clone()),
        id: m.unit.id,
        code: m.unit.code,
        name: m.unit.name_en,
        name_vi: m.unit.name_vi,
    }
}

fn indicator(def: &Def, ratio: Ratio, consumer_days: f64, cohort: Option<f64>) -> IndicatorResult {
    let value = ratio.value();
    let (adjusted, low, high) = match (value, cohort) {
        (Some(v), Some(mean)) if def.shrunk => {
            // Evidence is counted in consumer-days, never in raw requests: flooding does not
            // make a sample look larger than the distinct consumers and days behind it.
            let n = ratio.den.min(consumer_days);
            let (lo, hi) = ind::wilson(v, n);
            (
                Some(ind::shrink(v, n, mean)),
                Some(ind::shrink(lo, n, mean)),
                Some(ind::shrink(hi, n, mean)),
            )
        }
        (v, _) => (v, v, v),
    };
    let s = |x: Option<f64>| x.map(|x| ind::r1(ind::score(def, x)));
    IndicatorResult {
        id: def.id,
        applicable: value.is_some(),
        numerator: ind::r4(ratio.num),
        denominator: ind::r4(ratio.den),
        value: value.map(ind::r4),
        adjusted: adjusted.map(ind::r4),
        score: s(adjusted),
        score_low: s(low),
        score_high: s(high),
    }
}
