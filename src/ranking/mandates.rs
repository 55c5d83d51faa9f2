//! Mandated datasets of a unit, from the mandate register: met, late, overdue or pending
//! against their deadline (end of the day in `[ranking] timezone`), from the first time each
//! was served to someone other than its own agency.

use std::collections::HashMap;

use super::model::{MandateState, MandateStatus};
use crate::calendar::Zone;
use crate::config::register::Unit;
use crate::config::Catalog;

/// (agency, dataset) → (first, last) non-self serve.
pub type Served = HashMap<(String, String), (Option<i64>, Option<i64>)>;

/// The state of each mandated dataset of `unit` at `now_ms`.
pub fn statuses(
    catalog: &Catalog,
    unit: &Unit,
    served: &Served,
    now_ms: i64,
    zone: &Zone,
) -> Vec<MandateStatus> {
    catalog
        .register
        .mandates_of(&unit.id)
        .map(|m| {
            let end = zone.end_ms(m.deadline);
            let ds = catalog.dataset(&m.agency, &m.dataset);
            let first = ds
                .and_then(|_| served.get(&(m.agency.clone(), m.dataset.clone())))
                .and_then(|s| s.0);
            let state = match first {
                Some(f) if f < end => MandateState::Met,
                Some(_) => MandateState::Late,
                None if now_ms >= end => MandateState::Overdue,
                None => MandateState::Pending,
            };
            MandateStatus {
                dataset: m.dataset.clone(),
                title: ds.map_or_else(|| m.task.clone(), |d| d.title.clone()),
                deadline: m.deadline.to_string(),
                official: m.official.clone(),
                task: m.task.clone(),
                product: m.product(),
                assigned_by: m.assigned_by.clone(),
                instrument: m.instrument.clone(),
                original_deadline: m.original_deadline.to_string(),
                extensions: m.extensions.len(),
                connected: ds.is_some(),
                state,
                first_served_ms: first,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::calendar::{parse_date, Zone, DAY_MS, HOUR_MS};

    #[test]
    fn deadlines_end_at_local_midnight() {
        let d = parse_date("2026-06-30").unwrap();
        let utc_end = crate::calendar::start_ms(d) + DAY_MS;
        assert_eq!(Zone::utc().end_ms(d), utc_end);
        assert_eq!(Zone::default().end_ms(d), utc_end - 7 * HOUR_MS);
    }
}
