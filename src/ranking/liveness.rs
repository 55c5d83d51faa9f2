//! What a dataset shows besides demand: how fresh its data is (the date the data itself
//! declares at its `freshness_pointer`, else the last answer anyone — a consumer or the
//! gateway's readiness probe — got), the readiness probes, and the documents citizens were
//! spared. See `docs/methodology.md`, "Freshness", "Readiness probes" and "Documents spared".

use super::inputs::Inputs;
use super::model::DatasetFigures;
use super::rollup::{self as r, Counters};
use crate::config::{Agency, Dataset};

/// Freshness of one dataset with a refresh period, 0..=1: 1 while the data is younger than the
/// period, then period / age; 0 when nothing shows its age. `None` without a refresh period.
pub fn freshness(d: &Dataset, inputs: &Inputs, now_ms: i64) -> Option<f64> {
    let period = d.refresh_period?.as_millis() as f64;
    Some(match as_of(d, inputs) {
        None => 0.0,
        Some(t) => {
            let age = (now_ms - t).max(0) as f64;
            if age <= period {
                1.0
            } else {
                period / age
            }
        }
    })
}

/// When the dataset's data was last known current: the newest date the data declared at its
/// `freshness_pointer`, or (without a pointer) the last non-self serve or answered probe.
fn as_of(d: &Dataset, inputs: &Inputs) -> Option<i64> {
    let key = (d.agency.to_string(), d.id.to_string());
    let live = inputs.liveness.get(&key).copied().unwrap_or_default();
    if d.freshness_pointer.is_some() {
        return live.data_as_of_ms;
    }
    let served = inputs.served.get(&key).and_then(|s| s.1);
    served.max(live.last_probe_ok_ms)
}

/// The per-dataset figures of agency `a`, by dataset id.
pub fn datasets(a: &Agency, inputs: &Inputs, now_ms: i64) -> Vec<DatasetFigures> {
    a.datasets
        .values()
        .map(|d| {
            let key = (d.agency.to_string(), d.id.to_string());
            let c = inputs
                .cells
                .get(&key)
                .cloned()
                .unwrap_or_else(Counters::default);
            let live = inputs.liveness.get(&key).copied().unwrap_or_default();
            DatasetFigures {
                dataset: d.id.to_string(),
                documents_spared: c.c[r::SPARED],
                probes: c.c[r::PROBES],
                probes_answered: c.c[r::PROBE_ANSWERED],
                probed: d.probe.is_some(),
                last_probe_ok_ms: live.last_probe_ok_ms,
                data_as_of_ms: if d.freshness_pointer.is_some() {
                    live.data_as_of_ms
                } else {
                    None
                },
                freshness: freshness(d, inputs, now_ms).map(super::indicators::r4),
                clean: super::indicators::Ratio::new(c.c[r::CLEAN], c.c[r::CLEAN_CHECKED])
                    .value()
                    .map(super::indicators::r4),
            }
        })
        .collect()
}
