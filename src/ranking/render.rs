//! Renderers of a [`Ranking`]: a terminal table, CSV, JSON and the public HTML page.

mod charts;
mod csv;
mod html;
mod table;

pub use self::csv::csv;
pub use html::{html, methodology_page};
pub use table::table;

use super::rollup::DAY_MS;
use super::Ranking;

/// Pretty JSON (what `/public/ranking.json` serves).
pub fn json(r: &Ranking) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(r).unwrap_or_else(|_| b"{}".to_vec());
    v.push(b'\n');
    v
}

/// `YYYY-MM-DD` (UTC) of a Unix time in ms.
pub fn date(ms: i64) -> String {
    let (y, m, d) = civil(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn day_date(day: i64) -> String {
    date(day * DAY_MS)
}

/// Civil date from days since the epoch (Howard Hinnant's algorithm).
fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A score for people: one decimal, or a dash.
pub fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

/// A rate as a percentage with one decimal, or a dash.
pub fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_escaping() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(pct(Some(0.9876)), "98.8%");
        assert_eq!(num(None), "-");
    }
}
