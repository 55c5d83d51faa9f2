//! `/public/ranking`: the page a citizen reads — server-rendered, self-contained (inline CSS
//! and SVG, no scripts, nothing fetched from elsewhere), with headings and captioned tables.
//! Also `/public/methodology`, rendered from `docs/methodology.md`. Templates are `maud`:
//! checked at compile time, every value escaped unless marked otherwise.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts::{score_bars, sparkline, Bar};
use super::{date, day_date, num, pct};
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

/// A whole page: the shared head and style, then `body`.
fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                // Our own constant stylesheet.
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

fn rank_text(r: Option<RankInfo>) -> String {
    match r {
        None => "-".into(),
        Some(r) if r.best == r.worst => format!("{} of {}", r.rank, r.of),
        Some(r) => format!("{} of {} (could be {}-{})", r.rank, r.of, r.best, r.worst),
    }
}

fn tier(t: Option<&str>) -> Markup {
    html! {
        @match t {
            Some(t) => span class={ "tier t" (t) } { (t) },
            None => "-",
        }
    }
}

/// The whole ranking page.
pub fn html(r: &Ranking) -> String {
    let ranked: Vec<&AgencyResult> = r
        .agencies
        .iter()
        .filter(|a| a.status == Status::Ranked)
        .collect();
    let insufficient: Vec<&AgencyResult> = r
        .agencies
        .iter()
        .filter(|a| a.status == Status::InsufficientData)
        .collect();
    let body = html! {
        header {
            h1 { "How ready are public agencies to share data?" }
            p {
                "Readiness ranking of ministries, sectors and provinces over the " (r.window.days)
                " days to " (date(r.window.to_ms)) ", measured by the data-sharing gateway from every request it witnessed. Methodology v"
                (r.methodology) " — " a href="/public/methodology" { "how the scores are made" } "."
            }
        }
        main {
            section aria-labelledby="read" {
                h2 id="read" { "How to read this page" }
                p {
                    "Each agency gets a score from 0 to 100 against fixed targets (not against the other agencies), from three pillars: "
                    strong { "sharing" } " (does it share the data it must, and justify every refusal), "
                    strong { "service" } " (does its system answer, and quickly) and "
                    strong { "quality" } " (is the data valid, complete and fresh). Tiers: A ≥ 85, B ≥ 70, C ≥ 50, D below 50. Because every measurement has some uncertainty, each score comes with a likely range, and each rank with the ranks it could plausibly have. Agencies with fewer than "
                    (r.parameters.min_consumer_days) " distinct consumer-days of requests are shown as "
                    em { "insufficient data" } " and not ranked. An agency's requests to its own datasets are not counted."
                }
            }
            section aria-labelledby="overall" {
                h2 id="overall" { "Overall ranking" }
                @if ranked.is_empty() {
                    p { "No agency has enough data to be ranked yet." }
                } @else {
                    (overall_chart(&ranked))
                    (rank_table(r, "Overall ranking: every ranked agency", &ranked, |a| a.rank))
                }
            }
            @for g in &r.groups {
                @let members: Vec<&AgencyResult> = ranked.iter().copied().filter(|a| a.group == g.id).collect();
                section aria-labelledby={ "g-" (g.id) } {
                    h2 id={ "g-" (g.id) } { (g.name) }
                    @if members.is_empty() {
                        p { "None ranked in this group yet." }
                    } @else {
                        (rank_table(r, &format!("{}: ranked separately", g.name), &members, |a| a.group_rank))
                    }
                }
            }
            (overdue(r))
            (super::spared::section(r))
            @if !insufficient.is_empty() {
                section aria-labelledby="insufficient" {
                    h2 id="insufficient" { "Insufficient data" }
                    p { "These agencies had too few distinct consumer-days of requests in the window to be ranked fairly. Their figures are shown below for transparency." }
                    ul {
                        @for a in &insufficient {
                            li { a href={ "#a-" (a.id) } { (a.name) } " (" (a.consumer_days) " consumer-days)" }
                        }
                    }
                }
            }
            section aria-labelledby="details" {
                h2 id="details" { "Agency by agency" }
                @for a in &r.agencies { (details(a)) }
            }
        }
        footer {
            p {
                "Computed " (date(r.computed_ms)) " UTC. Download the figures as "
                a href="/public/ranking.json" { "JSON" } " or " a href="/public/ranking.csv" { "CSV" }
                ". Read the " a href="/public/methodology" { "methodology" } "."
            }
        }
    };
    page("Data-sharing readiness ranking of public agencies", body)
}

fn overall_chart(ranked: &[&AgencyResult]) -> Markup {
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
    let title = "Overall score of each ranked agency, with its likely range";
    score_bars("chart-overall", title, &bars)
}

fn rank_table(
    r: &Ranking,
    caption: &str,
    rows: &[&AgencyResult],
    rank: fn(&AgencyResult) -> Option<RankInfo>,
) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { "Rank" } th scope="col" { "Agency" } th scope="col" { "Tier" }
                th scope="col" { "Score (likely range)" } th scope="col" { "Sharing" }
                th scope="col" { "Service" } th scope="col" { "Quality" }
                th scope="col" { "Trend (" (r.window.days) " days)" }
            } }
            tbody {
                @for a in rows {
                    @let trend: Vec<(i64, f64)> = a.trend.iter().filter_map(|t| Some((t.day, t.score?))).collect();
                    @let pillar = |i: usize| num(a.pillars.get(i).and_then(|p| p.score));
                    tr {
                        td { (rank_text(rank(a))) }
                        th scope="row" { a href={ "#a-" (a.id) } { (a.name) } }
                        td { (tier(a.tier)) }
                        td.n { (num(a.score)) " (" (num(a.score_low)) "–" (num(a.score_high)) ")" }
                        td.n { (pillar(0)) } td.n { (pillar(1)) } td.n { (pillar(2)) }
                        td { (sparkline(&a.name, &trend)) }
                    }
                }
            }
        }
    }
}

fn overdue(r: &Ranking) -> Markup {
    let rows: Vec<_> = r
        .agencies
        .iter()
        .flat_map(|a| a.mandated.iter().map(move |m| (a, m)))
        .filter(|(_, m)| m.state == MandateState::Overdue)
        .collect();
    html! {
        section aria-labelledby="overdue" {
            h2 id="overdue" { "Overdue mandated datasets" }
            @if rows.is_empty() {
                p { "No mandated dataset is past its deadline without being connected." }
            } @else {
                table {
                    caption { "Datasets an agency must share, past their deadline and never served, with the official responsible" }
                    thead { tr {
                        th scope="col" { "Agency" } th scope="col" { "Dataset" }
                        th scope="col" { "Deadline" } th scope="col" { "Responsible official" }
                    } }
                    tbody {
                        @for (a, m) in &rows {
                            tr {
                                td { (a.name) } td { (m.title) }
                                td.overdue { (m.deadline) } td { (m.official) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn details(a: &AgencyResult) -> Markup {
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
    let c = &a.counts;
    html! {
        article id={ "a-" (a.id) } aria-labelledby={ "h-" (a.id) } {
            h3 id={ "h-" (a.id) } { (a.name) }
            p {
                (a.kind) ", " (a.status.label()) "; score " (num(a.score)) " (likely " (num(a.score_low))
                "–" (num(a.score_high)) "), tier " (a.tier.unwrap_or("-")) "; " (a.consumer_days)
                " distinct consumer-days of requests; rank " (rank_text(a.rank)) "."
            }
            @if !bars.is_empty() {
                (score_bars(&format!("chart-{}", a.id), &format!("Indicator scores of {}", a.name), &bars))
            }
            table {
                caption { "Indicators of " (a.name) }
                thead { tr {
                    th scope="col" { "Indicator" } th scope="col" { "Pillar" } th scope="col" { "Measured" }
                    th scope="col" { "After small-sample adjustment" } th scope="col" { "Based on" }
                    th scope="col" { "Score" } th scope="col" { "Target" }
                } }
                tbody {
                    @for (d, i) in DEFS.iter().zip(&a.indicators) {
                        tr {
                            th scope="row" { (d.name) }
                            td { (d.pillar.as_str()) }
                            td.n { @if i.applicable { (pct(i.value)) } @else { "not applicable" } }
                            td.n { (pct(i.adjusted)) }
                            td.n { (i.numerator) " of " (i.denominator) }
                            td.n { (num(i.score)) }
                            td.n { (pct(Some(d.target))) }
                        }
                    }
                }
            }
            p {
                "Requests counted: " (c.requests) " (" (c.served) " served, " (c.refused) " refused of which "
                (c.refused_justified) " justified, " (c.exempt) " exempt as state secrets, " (c.source_error)
                " source errors, " (c.invalid_response) " blocked invalid responses); " (c.self_calls)
                " calls from the agency's own staff ignored. Oversight reviews: " (c.reviews_upheld)
                " upheld, " (c.reviews_overturned) " overturned. Answer time: median " (num(a.latency.p50_ms))
                " ms, 95th percentile " (num(a.latency.p95_ms)) " ms, 99th percentile " (num(a.latency.p99_ms)) " ms."
            }
            (super::spared::datasets(a))
            @if !a.mandated.is_empty() {
                table {
                    caption { "Mandated datasets of " (a.name) }
                    thead { tr {
                        th scope="col" { "Dataset" } th scope="col" { "Deadline" } th scope="col" { "State" }
                        th scope="col" { "First served" } th scope="col" { "Responsible official" }
                    } }
                    tbody {
                        @for m in &a.mandated {
                            tr {
                                td { (m.title) } td { (m.deadline) }
                                @let overdue = (m.state == MandateState::Overdue).then_some("overdue");
                                td class=[overdue] { (m.state.as_str()) }
                                td { (m.first_served_ms.map(date).unwrap_or_else(|| "never".into())) }
                                td { (m.official) }
                            }
                        }
                    }
                }
            }
            @if let (Some(first), Some(last)) = (a.trend.first(), a.trend.last()) {
                p.muted { "Daily snapshots from " (day_date(first.day)) " to " (day_date(last.day)) "." }
            }
        }
    }
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
    let main = html! {
        main {
            // pulldown-cmark's HTML, every text in it escaped (raw HTML turned into text above).
            (PreEscaped(body))
            p { a href="/public/ranking" { "Back to the ranking" } }
        }
    };
    page("Ranking methodology", main)
}
