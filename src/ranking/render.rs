//! Renderers of a [`Ranking`]: a terminal table, CSV, JSON and the public HTML page.

mod charts;
mod csv;
#[cfg(test)]
pub(crate) mod fixture;
mod html;
mod spared;
mod table;

pub use self::csv::csv;
pub(crate) use self::csv::field as csv_field;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(pct(Some(0.9876)), "98.8%");
        assert_eq!(num(None), "-");
    }

    #[test]
    fn the_page_escapes_every_value_and_closes_every_shape() {
        let page = html(&fixture::ranking());
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(!page.contains("<script"), "a name is text, never markup");
        assert!(page.contains("Beta &lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;Co&quot;"));
        assert!(page.contains("<td>Ms. O'Brien &amp; co</td>"));
        assert!(page.contains("<td class=\"overdue\">overdue</td><td>never</td>"));
        assert!(page.contains("<td>met</td><td>2024-02-27</td>"));
        for shape in ["line", "rect", "polyline"] {
            let (open, close) = (format!("<{shape} "), format!("</{shape}>"));
            assert_eq!(
                page.matches(&open).count(),
                page.matches(&close).count(),
                "{shape}"
            );
        }
        assert!(page.contains("Daily snapshots from 2023-12-09 to 2023-12-11."));
        assert!(page.contains("Computed 2024-02-29 UTC."));
    }

    #[test]
    fn the_methodology_shows_raw_html_as_text() {
        let page = methodology_page("# Method <b>x</b>\n\n|a|b|\n|-|-|\n|1|2|\n");
        assert!(
            page.contains("<h1>Method &lt;b&gt;x&lt;/b&gt;</h1>"),
            "{page}"
        );
        assert!(page.contains("<table>"));
        assert!(page.contains("<a href=\"/public/ranking\">Back to the ranking</a>"));
    }
}
