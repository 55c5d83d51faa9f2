//! Mandated datasets: met, late, overdue or pending against their deadline, from the first
//! time each was served to someone other than its own agency.

use std::collections::HashMap;

use super::model::{MandateState, MandateStatus};
use crate::calendar::{self, Zone};
use crate::config::Agency;

/// (agency, dataset) → (first, last) non-self serve.
pub type Served = HashMap<(String, String), (Option<i64>, Option<i64>)>;

/// The state of each mandated dataset of `a` at `now_ms`, from its first non-self serve; a
/// deadline ends at local midnight in `zone`.
pub fn statuses(a: &Agency, served: &Served, now_ms: i64, zone: &Zone) -> Vec<MandateStatus> {
    a.datasets
        .values()
        .filter_map(|d| {
            let m = d.mandate.as_ref()?;
            let end = zone.end_ms(m.deadline);
            let first = served
                .get(&(a.id.to_string(), d.id.to_string()))
                .and_then(|s| s.0);
            let state = match first {
                Some(f) if f < end => MandateState::Met,
                Some(_) => MandateState::Late,
                None if now_ms >= end => MandateState::Overdue,
                None => MandateState::Pending,
            };
            Some(MandateStatus {
                dataset: d.id.to_string(),
                title: d.title.clone(),
                deadline: m.deadline.to_string(),
                official: m.official.clone(),
                state,
                first_served_ms: first,
            })
        })
        .collect()
}

/// The first millisecond after `YYYY-MM-DD` (UTC): a deadline is met if served before it.
pub fn deadline_end_ms(date: &str) -> Option<i64> {
    calendar::parse_date(date).ok().map(calendar::end_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DAY_MS;

    #[test]
    fn deadlines_end_at_the_next_midnight() {
        assert_eq!(deadline_end_ms("1970-01-01"), Some(DAY_MS));
        assert_eq!(deadline_end_ms("2000-03-01"), Some((11_017 + 1) * DAY_MS));
        assert_eq!(deadline_end_ms("2024-02-31"), None);
        assert_eq!(deadline_end_ms("nope"), None);
    }
}
