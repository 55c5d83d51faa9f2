//! `/public/ranking`: the page a citizen reads — server-rendered, self-contained (inline CSS
//! and SVG, no scripts, nothing fetched from elsewhere), with headings and captioned tables.
//! Also `/public/methodology`, rendered from `docs/methodology.md`.

use std::fmt::Write;

use super::charts::{score_bars, sparkline, Bar};
use super::{date, day_date, esc, num, pct};
use crate::ranking::indicators::DEFS;
use crate::ranking::model::{AgencyResult, MandateState, RankInfo, Ranking, Status};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.5}\
header{background:#1d3557;color:#fff;padding:1.4rem 2rem}header h1{margin:0 0 .3rem;font-size:1.8rem}header a{color:#fff}\
main{padding:.5rem 2rem 2rem;max-width:72rem}section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem 1.3rem;margin:1.2rem 0}\
h2{font-size:1.35rem;margin:.3rem 0 .7rem}h3{font-size:1.15rem;margin:1rem 0 .4rem}\
table{border-collapse:collapse;width:100%;font-size:.95rem;margin:.5rem 0}caption{text-align:left;font-weight:600;padding:.3rem 0}\
th,td{border-bottom:1px solid #e3e3e3;padding:.4rem .45rem;text-align:left;vertical-align:middle}th{background:#f0f3f7}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.tier{display:inline-block;min-width:1.6rem;text-align:center;border-radius:3px;color:#fff;font-weight:700}\
.tA{background:#1b6e20}.tB{background:#4f8a10}.tC{background:#b7791f}.tD{background:#b00020}.muted{color:#555;font-size:.9rem}\
.overdue{color:#b00020;font-weight:600}.chart{max-width:56rem;display:block}footer{padding:1rem 2rem;color:#555}";

fn head(title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

fn rank_text(r: Option<RankInfo>) -> String {
    match r {
        None => "-".into(),
        Some(r) if r.best == r.worst => format!("{} of {}", r.rank, r.of),
        Some(r) => format!("{} of {} (could be {}-{})", r.rank, r.of, r.best, r.worst),
    }
}

fn tier(t: Option<&str>) -> String {
    match t {
        Some(t) => format!(r#"<span class="tier t{t}">{t}</span>"#),
        None => "-".into(),
    }
}

/// The whole ranking page.
pub fn html(r: &Ranking) -> String {
    let mut o = head("Data-sharing readiness ranking of public agencies");
    let _ = writeln!(
        o,
        "<header><h1>How ready are public agencies to share data?</h1><p>Readiness ranking of ministries, sectors and provinces over the {} days to {}, measured by the data-sharing gateway from every request it witnessed. Methodology v{} — <a href=\"/public/methodology\">how the scores are made</a>.</p></header>\n<main>",
        r.window.days,
        date(r.window.to_ms),
        esc(r.methodology)
    );
    let _ = writeln!(
        o,
        "<section aria-labelledby=\"read\"><h2 id=\"read\">How to read this page</h2><p>Each agency gets a score from 0 to 100 against fixed targets (not against the other agencies), from three pillars: <strong>sharing</strong> (does it share the data it must, and justify every refusal), <strong>service</strong> (does its system answer, and quickly) and <strong>quality</strong> (is the data valid, complete and fresh). Tiers: A ≥ 85, B ≥ 70, C ≥ 50, D below 50. Because every measurement has some uncertainty, each score comes with a likely range, and each rank with the ranks it could plausibly have. Agencies with fewer than {} distinct consumer-days of requests are shown as <em>insufficient data</em> and not ranked. An agency's requests to its own datasets are not counted.</p></section>",
        r.parameters.min_consumer_days
    );
    let ranked: Vec<&AgencyResult> = r
        .agencies
        .iter()
        .filter(|a| a.status == Status::Ranked)
        .collect();
    o += "<section aria-labelledby=\"overall\"><h2 id=\"overall\">Overall ranking</h2>\n";
    if ranked.is_empty() {
        o += "<p>No agency has enough data to be ranked yet.</p>\n";
    } else {
        let bars: Vec<Bar<'_>> = ranked
            .iter()
            .filter_map(|a| {
                Some(Bar {
                    label: &a.name,
                    score: a.score?,
                    low: a.score_low,
                    high: a.score_high,
                })
            })
            .collect();
        o += &score_bars(
            "chart-overall",
            "Overall score of each ranked agency, with its likely range",
            &bars,
        );
        o += &rank_table(r, "Overall ranking: every ranked agency", &ranked, |a| {
            a.rank
        });
    }
    o += "</section>\n";
    for g in &r.groups {
        let members: Vec<&AgencyResult> =
            ranked.iter().copied().filter(|a| a.group == g.id).collect();
        let _ = writeln!(
            o,
            "<section aria-labelledby=\"g-{id}\"><h2 id=\"g-{id}\">{name}</h2>",
            id = g.id,
            name = esc(g.name)
        );
        if members.is_empty() {
            o += "<p>None ranked in this group yet.</p>\n";
        } else {
            o += &rank_table(
                r,
                &format!("{}: ranked separately", g.name),
                &members,
                |a| a.group_rank,
            );
        }
        o += "</section>\n";
    }
    overdue(&mut o, r);
    let insufficient: Vec<&AgencyResult> = r
        .agencies
        .iter()
        .filter(|a| a.status == Status::InsufficientData)
        .collect();
    if !insufficient.is_empty() {
        o += "<section aria-labelledby=\"insufficient\"><h2 id=\"insufficient\">Insufficient data</h2><p>These agencies had too few distinct consumer-days of requests in the window to be ranked fairly. Their figures are shown below for transparency.</p><ul>\n";
        for a in &insufficient {
            let _ = writeln!(
                o,
                "<li><a href=\"#a-{}\">{}</a> ({} consumer-days)</li>",
                esc(&a.id),
                esc(&a.name),
                a.consumer_days
            );
        }
        o += "</ul></section>\n";
    }
    o += "<section aria-labelledby=\"details\"><h2 id=\"details\">Agency by agency</h2>\n";
    for a in &r.agencies {
        details(&mut o, a);
    }
    o += "</section>\n</main>\n";
    let _ = writeln!(
        o,
        "<footer><p>Computed {} UTC. Download the figures as <a href=\"/public/ranking.json\">JSON</a> or <a href=\"/public/ranking.csv\">CSV</a>. Read the <a href=\"/public/methodology\">methodology</a>.</p></footer>\n</body>\n</html>",
        date(r.computed_ms)
    );
    o
}

fn rank_table(
    r: &Ranking,
    caption: &str,
    rows: &[&AgencyResult],
    rank: fn(&AgencyResult) -> Option<RankInfo>,
) -> String {
    let mut o = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">Rank</th><th scope=\"col\">Agency</th><th scope=\"col\">Tier</th><th scope=\"col\">Score (likely range)</th><th scope=\"col\">Sharing</th><th scope=\"col\">Service</th><th scope=\"col\">Quality</th><th scope=\"col\">Trend ({} days)</th></tr></thead><tbody>\n",
        esc(caption),
        r.window.days
    );
    for a in rows {
        let trend: Vec<(i64, f64)> = a
            .trend
            .iter()
            .filter_map(|t| Some((t.day, t.score?)))
            .collect();
        let p = |i: usize| num(a.pillars.get(i).and_then(|p| p.score));
        let _ = writeln!(
            o,
            "<tr><td>{}</td><th scope=\"row\"><a href=\"#a-{}\">{}</a></th><td>{}</td><td class=\"n\">{} ({}–{})</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            rank_text(rank(a)),
            esc(&a.id),
            esc(&a.name),
            tier(a.tier),
            num(a.score),
            num(a.score_low),
            num(a.score_high),
            p(0),
            p(1),
            p(2),
            sparkline(&a.name, &trend)
        );
    }
    o += "</tbody></table>\n";
    o
}

fn overdue(o: &mut String, r: &Ranking) {
    let rows: Vec<_> = r
        .agencies
        .iter()
        .flat_map(|a| a.mandated.iter().map(move |m| (a, m)))
        .filter(|(_, m)| m.state == MandateState::Overdue)
        .collect();
    *o +=
        "<section aria-labelledby=\"overdue\"><h2 id=\"overdue\">Overdue mandated datasets</h2>\n";
    if rows.is_empty() {
        *o +=
            "<p>No mandated dataset is past its deadline without being connected.</p></section>\n";
        return;
    }
    *o += "<table><caption>Datasets an agency must share, past their deadline and never served, with the official responsible</caption><thead><tr><th scope=\"col\">Agency</th><th scope=\"col\">Dataset</th><th scope=\"col\">Deadline</th><th scope=\"col\">Responsible official</th></tr></thead><tbody>\n";
    for (a, m) in rows {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"overdue\">{}</td><td>{}</td></tr>",
            esc(&a.name),
            esc(&m.title),
            esc(&m.deadline),
            esc(&m.official)
        );
    }
    *o += "</tbody></table></section>\n";
}

fn details(o: &mut String, a: &AgencyResult) {
    let _ = writeln!(
        o,
        "<article id=\"a-{id}\" aria-labelledby=\"h-{id}\"><h3 id=\"h-{id}\">{name}</h3><p>{kind}, {status}; score {score} (likely {lo}–{hi}), tier {tier}; {cd} distinct consumer-days of requests; rank {rank}.</p>",
        id = esc(&a.id),
        name = esc(&a.name),
        kind = a.kind,
        status = a.status.label(),
        score = num(a.score),
        lo = num(a.score_low),
        hi = num(a.score_high),
        tier = a.tier.unwrap_or("-"),
        cd = a.consumer_days,
        rank = rank_text(a.rank)
    );
    let bars: Vec<Bar<'_>> = DEFS
        .iter()
        .zip(&a.indicators)
        .filter_map(|(d, i)| {
            Some(Bar {
                label: d.name,
                score: i.score?,
                low: i.score_low,
                high: i.score_high,
            })
        })
        .collect();
    if !bars.is_empty() {
        *o += &score_bars(
            &format!("chart-{}", esc(&a.id)),
            &format!("Indicator scores of {}", a.name),
            &bars,
        );
    }
    let _ = writeln!(o, "<table><caption>Indicators of {}</caption><thead><tr><th scope=\"col\">Indicator</th><th scope=\"col\">Pillar</th><th scope=\"col\">Measured</th><th scope=\"col\">After small-sample adjustment</th><th scope=\"col\">Based on</th><th scope=\"col\">Score</th><th scope=\"col\">Target</th></tr></thead><tbody>", esc(&a.name));
    for (d, i) in DEFS.iter().zip(&a.indicators) {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} of {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(d.name),
            d.pillar.as_str(),
            if i.applicable { pct(i.value) } else { "not applicable".into() },
            pct(i.adjusted),
            i.numerator,
            i.denominator,
            num(i.score),
            pct(Some(d.target))
        );
    }
    *o += "</tbody></table>\n";
    let c = &a.counts;
    let _ = writeln!(
        o,
        "<p>Requests counted: {} ({} served, {} refused of which {} justified, {} exempt as state secrets, {} source errors, {} blocked invalid responses); {} calls from the agency's own staff ignored. Oversight reviews: {} upheld, {} overturned. Answer time: median {} ms, 95th percentile {} ms, 99th percentile {} ms.</p>",
        c.requests, c.served, c.refused, c.refused_justified, c.exempt, c.source_error, c.invalid_response,
        c.self_calls, c.reviews_upheld, c.reviews_overturned,
        num(a.latency.p50_ms), num(a.latency.p95_ms), num(a.latency.p99_ms)
    );
    if !a.mandated.is_empty() {
        let _ = writeln!(o, "<table><caption>Mandated datasets of {}</caption><thead><tr><th scope=\"col\">Dataset</th><th scope=\"col\">Deadline</th><th scope=\"col\">State</th><th scope=\"col\">First served</th><th scope=\"col\">Responsible official</th></tr></thead><tbody>", esc(&a.name));
        for m in &a.mandated {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.title),
                esc(&m.deadline),
                if m.state == MandateState::Overdue {
                    " class=\"overdue\""
                } else {
                    ""
                },
                m.state.as_str(),
                m.first_served_ms
                    .map(date)
                    .unwrap_or_else(|| "never".into()),
                esc(&m.official)
            );
        }
        *o += "</tbody></table>\n";
    }
    if let (Some(first), Some(last)) = (a.trend.first(), a.trend.last()) {
        let _ = write!(
            o,
            "<p class=\"muted\">Daily snapshots from {} to {}.</p>",
            day_date(first.day),
            day_date(last.day)
        );
    }
    *o += "</article>\n";
}

/// The methodology document as a page.
pub fn methodology_page(markdown: &str) -> String {
    let mut body = String::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    // Raw HTML in the document is shown as text, never passed through.
    let parser = parser.map(|e| match e {
        pulldown_cmark::Event::Html(t) | pulldown_cmark::Event::InlineHtml(t) => {
            pulldown_cmark::Event::Text(t)
        }
        e => e,
    });
    pulldown_cmark::html::push_html(&mut body, parser);
    let mut o = head("Ranking methodology");
    let _ = writeln!(o, "<main>\n{body}\n<p><a href=\"/public/ranking\">Back to the ranking</a></p>\n</main>\n</body>\n</html>");
    o
}
