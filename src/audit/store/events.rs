//! Reading witnessed events back by kind, optionally only those whose canonical facts contain
//! one exact `"key":"value"` pair (how a case's justification, appeal and verdict find the
//! refusal they are about). Uses the `(event_kind, ts_ms)` index, then a text match. Also the
//! case records of a period (the oversight export).

use super::super::{EventKind, StoredRecord};
use super::records::{decode, COLUMNS};
use super::{Store, StoreError};

impl Store {
    /// Events of `kinds`, oldest first (by time, then chain position), at most 10,000; with
    /// `fact`, only those whose facts hold `fact.0` = the string `fact.1`. The value must not
    /// contain `%`, `_` or `"` (ids are UUIDs): it is matched with LIKE.
    pub async fn events(
        &self,
        kinds: &[EventKind],
        fact: Option<(&str, &str)>,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut q = self.filter(&format!("SELECT {COLUMNS} FROM audit_records WHERE ("));
        for (i, k) in kinds.iter().enumerate() {
            q.push(if i == 0 {
                "event_kind = "
            } else {
                " OR event_kind = "
            })
            .bind(k.as_str());
        }
        q.push(if kinds.is_empty() { "1=0)" } else { ")" });
        let needle = fact
            .filter(|(_, v)| !v.contains(['%', '_', '"', '\\']))
            .map(|(k, v)| format!("%\"{k}\":\"{v}\"%"));
        if fact.is_some() && needle.is_none() {
            return Ok(Vec::new());
        }
        q.and_some("event LIKE", needle)
            .push(" ORDER BY ts_ms, node_id, seq LIMIT 10000");
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(decode).collect()
    }

    /// A period's refusals and case steps (justifications, appeals, verdicts) recorded in
    /// `[from_ms, to_ms)`, of `agency` if given, oldest first (by time, then chain position),
    /// at most `limit`: what the oversight export reports.
    pub async fn case_records(
        &self,
        from_ms: i64,
        to_ms: i64,
        agency: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let mut q = self.filter(&format!(
            "SELECT {COLUMNS} FROM audit_records WHERE (outcome = 'refused' OR event_kind IN ("
        ));
        let steps = [
            EventKind::RefusalJustification,
            EventKind::Appeal,
            EventKind::AppealVerdict,
        ];
        for (i, k) in steps.iter().enumerate() {
            q.push(if i == 0 { "" } else { ", " }).bind(k.as_str());
        }
        q.push("))")
            .and("ts_ms >=", from_ms)
            .and("ts_ms <", to_ms)
            .and_some("agency =", agency)
            .push(" ORDER BY ts_ms, node_id, seq LIMIT ")
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(decode).collect()
    }
}
