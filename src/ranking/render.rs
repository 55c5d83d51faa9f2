//! Renderers of a [`Ranking`]: a terminal table, CSV, JSON and the public HTML page.

mod charts;
mod csv;
mod html;
mod table;

pub use self::csv::csv;
pub use html::{html, methodology_page};
pub use table::table;

use super::Ranking;

/// Pretty JSON (what `/public/ranking.json` serves).
pub fn json(r: &Ranking) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(r).unwrap_or_else(|_| b"{}".to_vec());
    v.push(b'\n');
    v
}

pub use crate::calendar::{format_date as date, format_day as day_date};

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
    fn escaping_and_numbers() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(pct(Some(0.9876)), "98.8%");
        assert_eq!(num(None), "-");
    }
}
