//! `dxgate ranking --format table`: a fixed-width table for a terminal.

use std::fmt::Write;

use super::{date, num};
use crate::ranking::model::{RankInfo, Ranking};

fn range(r: Option<RankInfo>) -> String {
    match r {
        Some(r) if r.best == r.worst => format!("{}", r.rank),
        Some(r) => format!("{}-{}", r.best, r.worst),
        None => "-".into(),
    }
}

/// The ranking as text.
pub fn table(r: &Ranking) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Data-sharing readiness ranking (methodology v{}), {} days to {}",
        r.methodology,
        r.window.days,
        date(r.window.to_ms)
    );
    let _ = writeln!(
        out,
        "{:<5} {:<7} {:<22} {:<9} {:<4} {:>6} {:>13} {:>7} {:>7} {:>7} {:>6}  STATUS",
        "RANK",
        "RANGE",
        "AGENCY",
        "KIND",
        "TIER",
        "SCORE",
        "90% RANGE",
        "SHARING",
        "SERVICE",
        "QUALITY",
        "C-DAYS",
    );
    for a in &r.agencies {
        let p = |i: usize| num(a.pillars.get(i).and_then(|p| p.score));
        let _ = writeln!(
            out,
            "{:<5} {:<7} {:<22} {:<9} {:<4} {:>6} {:>13} {:>7} {:>7} {:>7} {:>6}  {}",
            a.rank
                .map(|r| r.rank.to_string())
                .unwrap_or_else(|| "-".into()),
            range(a.rank),
            truncate(&a.id, 22),
            a.kind,
            a.tier.unwrap_or("-"),
            num(a.score),
            format!("{}-{}", num(a.score_low), num(a.score_high)),
            p(0),
            p(1),
            p(2),
            a.consumer_days,
            a.status.label()
        );
    }
    let overdue = r.overdue();
    if !overdue.is_empty() {
        let _ = writeln!(out, "\nOverdue mandated datasets:");
        for (a, m) in overdue {
            let _ = writeln!(
                out,
                "  {}/{}  deadline {}  responsible: {}",
                a.id, m.dataset, m.deadline, m.official
            );
        }
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
