//! Inline SVG charts (no scripts, no external resources), each with a text alternative.

use std::fmt::Write;

use super::esc;

/// One bar of a score chart.
pub struct Bar<'a> {
    pub label: &'a str,
    pub score: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

fn colour(score: f64) -> &'static str {
    if score >= 85.0 {
        "#1b6e20"
    } else if score >= 70.0 {
        "#4f8a10"
    } else if score >= 50.0 {
        "#b7791f"
    } else {
        "#b00020"
    }
}

/// Horizontal bars on a fixed 0-100 scale, with the 90 % range drawn as a whisker.
pub fn score_bars(id: &str, title: &str, bars: &[Bar<'_>]) -> String {
    let (label_w, plot_w, row_h) = (330.0, 560.0, 26.0);
    let height = 30.0 + row_h * bars.len() as f64;
    let x = |s: f64| label_w + plot_w * s.clamp(0.0, 100.0) / 100.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-t" viewBox="0 0 {w} {height}" width="100%" preserveAspectRatio="xMinYMin meet"><title id="{id}-t">{t}</title>"#,
        w = label_w + plot_w + 60.0,
        t = esc(title)
    );
    for tick in [0.0, 50.0, 70.0, 85.0, 100.0] {
        let _ = write!(
            svg,
            r##"<line x1="{x}" x2="{x}" y1="18" y2="{y2}" stroke="#ccc" stroke-dasharray="3 3"/><text x="{x}" y="12" font-size="11" text-anchor="middle" fill="#555">{tick}</text>"##,
            x = x(tick),
            y2 = height - 4.0
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = 22.0 + row_h * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" font-size="13" text-anchor="end">{label}</text><rect x="{x0}" y="{y}" width="{w}" height="16" fill="{c}"><title>{label}: {s:.1}</title></rect>"#,
            lx = label_w - 8.0,
            ty = y + 13.0,
            label = esc(b.label),
            x0 = label_w,
            w = (x(b.score) - label_w).max(1.0),
            c = colour(b.score),
            s = b.score
        );
        if let (Some(lo), Some(hi)) = (b.low, b.high) {
            let _ = write!(
                svg,
                r##"<line x1="{a}" x2="{b}" y1="{m}" y2="{m}" stroke="#222" stroke-width="1.5"/><line x1="{a}" x2="{a}" y1="{t}" y2="{u}" stroke="#222"/><line x1="{b}" x2="{b}" y1="{t}" y2="{u}" stroke="#222"/>"##,
                a = x(lo),
                b = x(hi),
                m = y + 8.0,
                t = y + 3.0,
                u = y + 13.0
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{tx}" y="{ty}" font-size="12">{s:.1}</text>"#,
            tx = x(b.high.unwrap_or(b.score).max(b.score)) + 6.0,
            ty = y + 13.0,
            s = b.score
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A small line of daily scores (oldest left), or a note when there is too little history.
pub fn sparkline(label: &str, points: &[(i64, f64)]) -> String {
    if points.len() < 2 {
        return r#"<span class="muted">not enough history yet</span>"#.into();
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
    format!(
        r##"<svg class="spark" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{t}</title><rect width="{w}" height="{h}" fill="#f4f6f8"/><polyline points="{p}" fill="none" stroke="#1d3557" stroke-width="2"/></svg>"##,
        t = esc(&format!(
            "{label}: score over the last {} snapshots, latest {last:.1}",
            points.len()
        )),
        p = coords.join(" ")
    )
}
