//! Inline SVG charts (no scripts, no external resources), each with a text alternative.
//! SVG shapes are written with an explicit end tag (`{}`): inside `<svg>` an HTML parser does
//! not treat `<line>` as void, so a bare start tag would swallow its siblings.

use maud::{html, Markup};

use super::words::{self, W};
use crate::i18n::Lang;
use crate::ranking::indicators::tier;

/// One bar of a score chart.
pub struct Bar<'a> {
    pub label: &'a str,
    pub score: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The colour of a score's tier ([`tier`]: A, B, C, D).
fn colour(score: f64) -> &'static str {
    match tier(score) {
        "A" => "#1b6e20",
        "B" => "#4f8a10",
        "C" => "#b7791f",
        _ => "#b00020",
    }
}

/// Horizontal bars on a fixed 0-100 scale, with the 90 % range drawn as a whisker.
pub fn score_bars(lang: Lang, id: &str, title: &str, bars: &[Bar<'_>]) -> Markup {
    let (label_w, plot_w, row_h) = (330.0, 560.0, 26.0);
    let height = 30.0 + row_h * bars.len() as f64;
    let x = |s: f64| label_w + plot_w * s.clamp(0.0, 100.0) / 100.0;
    html! {
        svg.chart id=(id) role="img" aria-labelledby={ (id) "-t" }
            viewBox={ "0 0 " (label_w + plot_w + 60.0) " " (height) } width="100%"
            preserveAspectRatio="xMinYMin meet" {
            title id={ (id) "-t" } { (title) }
            @for tick in [0.0, 50.0, 70.0, 85.0, 100.0] {
                line x1=(x(tick)) x2=(x(tick)) y1="18" y2=(height - 4.0) stroke="#ccc" stroke-dasharray="3 3" {}
                text x=(x(tick)) y="12" font-size="11" text-anchor="middle" fill="#555" { (tick) }
            }
            @for (i, b) in bars.iter().enumerate() {
                @let y = 22.0 + row_h * i as f64;
                text x=(label_w - 8.0) y=(y + 13.0) font-size="13" text-anchor="end" { (b.label) }
                rect x=(label_w) y=(y) width=((x(b.score) - label_w).max(1.0)) height="16" fill=(colour(b.score)) {
                    title { (b.label) ": " (words::num(lang, Some(b.score))) }
                }
                @if let (Some(lo), Some(hi)) = (b.low, b.high) {
                    line x1=(x(lo)) x2=(x(hi)) y1=(y + 8.0) y2=(y + 8.0) stroke="#222" stroke-width="1.5" {}
                    line x1=(x(lo)) x2=(x(lo)) y1=(y + 3.0) y2=(y + 13.0) stroke="#222" {}
                    line x1=(x(hi)) x2=(x(hi)) y1=(y + 3.0) y2=(y + 13.0) stroke="#222" {}
                }
                text x=(x(b.high.unwrap_or(b.score).max(b.score)) + 6.0) y=(y + 13.0) font-size="12" {
                    (words::num(lang, Some(b.score)))
                }
            }
        }
    }
}

/// A small line of daily scores (oldest left), or a note when there is too little history.
pub fn sparkline(lang: Lang, label: &str, points: &[(i64, f64)]) -> Markup {
    if points.len() < 2 {
        return html! { span.muted { (lang.t(W::NoHistory)) } };
    }
    let (w, h) = (140.0, 32.0);
    let first = points[0].0 as f64;
    let span = (points[points.len() - 1].0 as f64 - first).max(1.0);
    let coords: Vec<String> = points
        .iter()
        .map(|(d, s)| {
            format!(
                "{:.1},{:.1}",
                2.0 + (w - 4.0) * (*d as f64 - first) / span,
                h - 2.0 - (h - 4.0) * s.clamp(0.0, 100.0) / 100.0
            )
        })
        .collect();
    let last = points[points.len() - 1].1;
    let title = words::sparkline(lang, label, points.len(), last);
    html! {
        svg.spark role="img" viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) {
            title { (title) }
            rect width=(w) height=(h) fill="#f4f6f8" {}
            polyline points=(coords.join(" ")) fill="none" stroke="#1d3557" stroke-width="2" {}
        }
    }
}

/// A unit's score in each edition (oldest left, on the fixed 0-100 scale): a line through a
/// dot per edition, the first and last edition's dates under it; a note when no edition has
/// a score yet.
pub fn edition_trend(lang: Lang, id: &str, title: &str, points: &[(i64, f64)]) -> Markup {
    let Some((first, last)) = points.first().zip(points.last()) else {
        return html! { span.muted { (lang.t(W::NoEditionScore)) } };
    };
    let (w, h, pad) = (220.0, 56.0, 6.0);
    let span = ((last.0 - first.0) as f64).max(1.0);
    let xy = |(d, s): (i64, f64)| {
        let x = if points.len() == 1 {
            w / 2.0
        } else {
            pad + (w - 2.0 * pad) * (d - first.0) as f64 / span
        };
        (
            x,
            pad + (h - 16.0 - 2.0 * pad) * (100.0 - s.clamp(0.0, 100.0)) / 100.0,
        )
    };
    let coords: Vec<String> = (points.iter())
        .map(|p| {
            let (x, y) = xy(*p);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    html! {
        svg.trend id=(id) role="img" viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) {
            title { (title) }
            rect width=(w) height=(h - 14.0) fill="#f4f6f8" {}
            polyline points=(coords.join(" ")) fill="none" stroke="#1d3557" stroke-width="2" {}
            @for p in points {
                @let (x, y) = xy(*p);
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="3" fill="#1d3557" {
                    title { (super::day_date(p.0)) ": " (words::num(lang, Some(p.1))) }
                }
            }
            text x=(pad) y=(h - 2.0) font-size="10" fill="#555" { (super::day_date(first.0)) }
            @if points.len() > 1 {
                text x=(w - pad) y=(h - 2.0) font-size="10" fill="#555" text-anchor="end" { (super::day_date(last.0)) }
            }
        }
    }
}
