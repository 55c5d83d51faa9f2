//! `/public/ranking`: the page a citizen reads — server-rendered, self-contained (inline CSS
//! and SVG, no scripts, nothing fetched from elsewhere), with headings and captioned tables.
//! Also `/public/methodology`, rendered from `docs/methodology.md` (English) or
//! `docs/methodology.vi.md` (Vietnamese). Both in the language of their [`Locale`], every
//! word from [`super::words`] and [`super::prose`], with a switch to the other. Templates are `maud`:
//! checked at compile time, every value escaped unless marked otherwise.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts::{score_bars, sparkline, Bar};
use super::words::{self, num, pct, Of, W};
use super::{date, day_date, prose};
use crate::i18n::{Lang, Msg};
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
.overdue{color:#b00020;font-weight:600}nav.lang{background:#1d3557;padding:.5rem 2rem 0;text-align:right}nav.lang a{color:#fff}.chart{max-width:56rem;display:block}footer{padding:1rem 2rem;color:#555}";

/// What a page needs to speak its language: the language, and the link to the same page in
/// the other one.
#[derive(Debug, Clone, Copy)]
pub struct Locale<'a> {
    pub lang: Lang,
    /// `path?query` of this page in [`Lang::other`] (see [`crate::i18n::switch_href`]).
    pub switch: &'a str,
}

impl Locale<'_> {
    pub(super) fn t(&self, w: W) -> &'static str {
        self.lang.t(w)
    }

    /// `path` in this page's language.
    pub(super) fn link(&self, path: &str) -> String {
        format!("{path}?lang={}", self.lang.tag())
    }

    /// A unit's name in this language.
    pub(super) fn name<'b>(&self, a: &'b AgencyResult) -> &'b str {
        match self.lang {
            Lang::Vi if !a.name_vi.is_empty() => &a.name_vi,
            _ => &a.name,
        }
    }
}

/// A whole page: the shared head and style, the language switch, then `body`.
pub(super) fn page(l: Locale<'_>, title: &str, body: Markup) -> String {
    let other = l.lang.other();
    html! {
        (DOCTYPE)
        html lang=(l.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="alternate" hreflang=(other.tag()) href=(l.switch);
                // Our own constant stylesheet.
                style { (PreEscaped(STYLE)) }
            }
            body {
                nav.lang aria-label="Language / Ngôn ngữ" {
                    a #lang-switch href=(l.switch) hreflang=(other.tag()) lang=(other.tag()) { (other.t(Msg::LanguageName)) }
                }
                (body)
            }
        }
    }
    .into_string()
}

pub(super) fn tier(t: Option<&str>) -> Markup {
    html! {
        @match t {
            Some(t) => span class={ "tier t" (t) } { (t) },
            None => "-",
        }
    }
}

/// The whole ranking page in `l`'s language.
pub fn html(r: &Ranking, l: Locale<'_>) -> String {
    let lang = l.lang;
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
    let methodology = l.link("/public/methodology");
    let body = html! {
        header {
            h1 { (l.t(W::Headline)) }
            (prose::intro(lang, r, &methodology))
        }
        main {
            section aria-labelledby="read" {
                h2 id="read" { (l.t(W::HowToRead)) }
                (prose::how_to_read(lang, r))
            }
            section aria-labelledby="overall" {
                h2 id="overall" { (l.t(W::Overall)) }
                @if ranked.is_empty() {
                    p { (l.t(W::NoneRanked)) }
                } @else {
                    (overall_chart(l, &ranked))
                    (rank_table(r, l, l.t(W::OverallCaption), &ranked, |a| a.rank))
                }
            }
            @for g in &r.groups {
                @let members: Vec<&AgencyResult> = ranked.iter().copied().filter(|a| a.group == g.id).collect();
                @let name = words::code(lang, g.id);
                section aria-labelledby={ "g-" (g.id) } {
                    h2 id={ "g-" (g.id) } { (name) }
                    @if members.is_empty() {
                        p { (l.t(W::NoneInGroup)) }
                    } @else {
                        (rank_table(r, l, &words::group_caption(lang, name), &members, |a| a.group_rank))
                    }
                }
            }
            (overdue(r, l))
            (super::spared::section(r, l))
            @if !insufficient.is_empty() {
                section aria-labelledby="insufficient" {
                    h2 id="insufficient" { (l.t(W::Insufficient)) }
                    p { (l.t(W::InsufficientWhy)) }
                    ul {
                        @for a in &insufficient {
                            li { a href={ "#a-" (a.id) } { (l.name(a)) } (words::consumer_days(lang, a.consumer_days)) }
                        }
                    }
                }
            }
            section aria-labelledby="details" {
                h2 id="details" { (l.t(W::ByAgency)) }
                @for a in &r.agencies { (details(l, a)) }
            }
        }
        footer { (prose::footer(lang, r, &methodology)) }
    };
    page(l, l.t(W::PageTitle), body)
}

fn overall_chart(l: Locale<'_>, ranked: &[&AgencyResult]) -> Markup {
    let bars: Vec<Bar<'_>> = ranked
        .iter()
        .filter_map(|a| {
            Some(Bar {
                label: l.name(a),
                score: a.score?,
                low: a.score_low,
                high: a.score_high,
            })
        })
        .collect();
    score_bars(l.lang, "chart-overall", l.t(W::ChartTitle), &bars)
}

fn rank_table(
    r: &Ranking,
    l: Locale<'_>,
    caption: &str,
    rows: &[&AgencyResult],
    rank: fn(&AgencyResult) -> Option<RankInfo>,
) -> Markup {
    let [sharing, service, quality] = words::pillars(l.lang);
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { (l.t(W::Rank)) } th scope="col" { (l.t(W::Agency)) } th scope="col" { (l.t(W::Tier)) }
                th scope="col" { (l.t(W::ScoreRange)) } th scope="col" { (sharing) }
                th scope="col" { (service) } th scope="col" { (quality) }
                th scope="col" { (words::trend(l.lang, r.window.days)) }
            } }
            tbody {
                @for a in rows {
                    @let trend: Vec<(i64, f64)> = a.trend.iter().filter_map(|t| Some((t.day, t.score?))).collect();
                    @let pillar = |i: usize| num(l.lang, a.pillars.get(i).and_then(|p| p.score));
                    tr {
                        td { (words::rank(l.lang, rank(a))) }
                        th scope="row" { a href={ "#a-" (a.id) } { (l.name(a)) } }
                        td { (tier(a.tier)) }
                        td.n { (num(l.lang, a.score)) " (" (num(l.lang, a.score_low)) "–" (num(l.lang, a.score_high)) ")" }
                        td.n { (pillar(0)) } td.n { (pillar(1)) } td.n { (pillar(2)) }
                        td { (sparkline(l.lang, l.name(a), &trend)) }
                    }
                }
            }
        }
    }
}

fn overdue(r: &Ranking, l: Locale<'_>) -> Markup {
    let rows = r.overdue();
    html! {
        section aria-labelledby="overdue" {
            h2 id="overdue" { (l.t(W::Overdue)) }
            @if rows.is_empty() {
                p { (l.t(W::NoOverdue)) }
            } @else {
                table {
                    caption { (l.t(W::OverdueCaption)) }
                    thead { tr {
                        th scope="col" { (l.t(W::Agency)) } th scope="col" { (l.t(W::Dataset)) }
                        th scope="col" { (l.t(W::Deadline)) } th scope="col" { (l.t(W::Official)) }
                    } }
                    tbody {
                        @for (a, m) in &rows {
                            tr {
                                td { (l.name(a)) } td { (m.title) }
                                td.overdue { (m.deadline) } td { (m.official) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn details(l: Locale<'_>, a: &AgencyResult) -> Markup {
    let lang = l.lang;
    let name = l.name(a);
    let bars: Vec<Bar<'_>> = DEFS
        .iter()
        .zip(&a.indicators)
        .filter_map(|(d, i)| {
            Some(Bar {
                label: words::code(lang, d.id),
                score: i.score?,
                low: i.score_low,
                high: i.score_high,
            })
        })
        .collect();
    html! {
        article id={ "a-" (a.id) } aria-labelledby={ "h-" (a.id) } {
            h3 id={ "h-" (a.id) } { (name) }
            (prose::summary(lang, a))
            @if !bars.is_empty() {
                (score_bars(lang, &format!("chart-{}", a.id), &words::of_unit(lang, Of::Chart, name), &bars))
            }
            table {
                caption { (words::of_unit(lang, Of::Indicators, name)) }
                thead { tr {
                    th scope="col" { (l.t(W::Indicator)) } th scope="col" { (l.t(W::Pillar)) } th scope="col" { (l.t(W::Measured)) }
                    th scope="col" { (l.t(W::Adjusted)) } th scope="col" { (l.t(W::BasedOn)) }
                    th scope="col" { (l.t(W::Score)) } th scope="col" { (l.t(W::Target)) }
                } }
                tbody {
                    @for (d, i) in DEFS.iter().zip(&a.indicators) {
                        tr {
                            th scope="row" { (words::code(lang, d.id)) }
                            td { (words::code(lang, d.pillar.as_str())) }
                            td.n { @if i.applicable { (pct(l.lang, i.value)) } @else { (l.t(W::NotApplicable)) } }
                            td.n { (pct(l.lang, i.adjusted)) }
                            td.n { (words::of(lang, i.numerator, i.denominator)) }
                            td.n { (num(l.lang, i.score)) }
                            td.n { (pct(l.lang, Some(d.target))) }
                        }
                    }
                }
            }
            (prose::counts(lang, a))
            (super::spared::datasets(l, a))
            @if !a.mandated.is_empty() {
                table {
                    caption { (words::of_unit(lang, Of::Mandated, name)) }
                    thead { tr {
                        th scope="col" { (l.t(W::Dataset)) } th scope="col" { (l.t(W::Deadline)) } th scope="col" { (l.t(W::State)) }
                        th scope="col" { (l.t(W::FirstServed)) } th scope="col" { (l.t(W::Official)) }
                    } }
                    tbody {
                        @for m in &a.mandated {
                            tr {
                                td { (m.title) } td { (m.deadline) }
                                @let overdue = (m.state == MandateState::Overdue).then_some("overdue");
                                td class=[overdue] { (words::mandate_state(lang, m.state)) }
                                td { (m.first_served_ms.map(date).unwrap_or_else(|| l.t(W::Never).into())) }
                                td { (m.official) }
                            }
                        }
                    }
                }
            }
            @if let (Some(first), Some(last)) = (a.trend.first(), a.trend.last()) {
                p.muted { (words::snapshots(lang, &day_date(first.day), &day_date(last.day))) }
            }
        }
    }
}

/// The methodology document (in `l`'s language) as a page.
pub fn methodology_page(markdown: &str, l: Locale<'_>) -> String {
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
            p { a href=(l.link("/public/ranking")) { (l.t(W::BackToRanking)) } }
        }
    };
    page(l, l.t(W::MethodologyTitle), main)
}
