//! `/public/ranking.csv` and `--format csv`: one row per agency, every published figure.

use std::fmt::Write;

use crate::ranking::indicators::DEFS;
use crate::ranking::model::{MandateState, Ranking};

/// The ranking as RFC 4180 CSV.
pub fn csv(r: &Ranking) -> String {
    let mut head: Vec<String> = [
        "rank",
        "rank_best",
        "rank_worst",
        "group",
        "group_rank",
        "agency",
        "name",
        "kind",
        "status",
        "consumer_days",
        "score",
        "score_low",
        "score_high",
        "tier",
        "sharing",
        "service",
        "quality",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for d in &DEFS {
        head.push(format!("{}_value", d.id));
        head.push(format!("{}_score", d.id));
    }
    head.extend(
        [
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "overdue_mandates",
            "methodology",
            "window_days",
        ]
        .map(String::from),
    );
    let mut out = head.join(",");
    out.push_str("\r\n");
    let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for a in &r.agencies {
        let mut row: Vec<String> = vec![
            a.rank.map(|x| x.rank.to_string()).unwrap_or_default(),
            a.rank.map(|x| x.best.to_string()).unwrap_or_default(),
            a.rank.map(|x| x.worst.to_string()).unwrap_or_default(),
            a.group.into(),
            a.group_rank.map(|x| x.rank.to_string()).unwrap_or_default(),
            a.id.clone(),
            a.name.clone(),
            a.kind.into(),
            a.status.as_str().into(),
            a.consumer_days.to_string(),
            f(a.score),
            f(a.score_low),
            f(a.score_high),
            a.tier.unwrap_or("").into(),
        ];
        row.extend(a.pillars.iter().map(|p| f(p.score)));
        for i in &a.indicators {
            row.push(f(i.value));
            row.push(f(i.score));
        }
        row.push(f(a.latency.p50_ms));
        row.push(f(a.latency.p95_ms));
        row.push(f(a.latency.p99_ms));
        row.push(
            a.mandated
                .iter()
                .filter(|m| m.state == MandateState::Overdue)
                .map(|m| m.dataset.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        row.push(r.methodology.into());
        row.push(r.window.days.to_string());
        let cells: Vec<String> = row.iter().map(|c| field(c)).collect();
        let _ = write!(out, "{}\r\n", cells.join(","));
    }
    out
}

/// Quote a field when it needs it; neutralise a leading formula character for spreadsheets.
pub(crate) fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@']) || (s.starts_with('-') && s.parse::<f64>().is_err()) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_are_quoted_and_defused() {
        assert_eq!(super::field("a,b"), "\"a,b\"");
        assert_eq!(super::field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::field("=cmd()"), "'=cmd()");
        assert_eq!(super::field("-1.5"), "-1.5");
    }
}
