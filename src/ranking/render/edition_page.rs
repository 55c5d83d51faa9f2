//! `/public/ranking/editions/{date}`: one official edition as a page — its signed facts, the
//! files to check it with, every unit's rank, tier and score in it, and each unit's score
//! across all editions up to it as a chart. Read from the frozen JSON (the edition is what
//! was signed, not a fresh computation); the words are [`super::words`]'.

use std::collections::HashMap;

use maud::{html, Markup};
use serde::Deserialize;

use super::charts::edition_trend;
use super::html::{page, tier, Locale};
use super::words::{self, num, W};
use crate::i18n::Lang;
use crate::ranking::edition::Facts;
use crate::ranking::model::{Status, TrendPoint};

/// What the page shows of one unit of the frozen ranking.
#[derive(Debug, Deserialize)]
struct Row {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    group: String,
    status: Status,
    score: Option<f64>,
    tier: Option<String>,
    rank: Option<Rank>,
}

#[derive(Debug, Deserialize)]
struct Rank {
    rank: u32,
    of: u32,
}

#[derive(Debug, Deserialize)]
struct Frozen {
    agencies: Vec<Row>,
}

/// Everything the edition page is made of.
pub struct EditionPage<'a> {
    pub facts: &'a Facts,
    /// The frozen ranking JSON.
    pub body: &'a str,
    /// Per unit, its points in every edition up to this one.
    pub trend: &'a HashMap<String, Vec<TrendPoint>>,
    /// Every edition's date, newest first.
    pub editions: &'a [String],
    /// This gateway's checkpoint verifier key, for the offline check.
    pub verifier_key: Option<&'a str>,
}

/// The edition page in `l`'s language; `None` when the frozen JSON is not a ranking.
pub fn edition_html(e: &EditionPage<'_>, l: Locale<'_>) -> Option<String> {
    let frozen: Frozen = serde_json::from_str(e.body).ok()?;
    let lang = l.lang;
    let date = e.facts.date.to_string();
    let base = format!("/public/ranking/editions/{date}");
    let heading = words::edition_heading(lang, &date);
    let key = e.verifier_key.unwrap_or("KEY");
    let body = html! {
        header {
            h1 { (heading) }
            p { (words::edition_intro(lang, &date, &e.facts.timezone, &e.facts.methodology)) }
        }
        main {
            section aria-labelledby="signed" {
                h2 id="signed" { (l.t(W::EditionSigned)) }
                p { "SHA-256: " code #sha256 { (e.facts.sha256.to_hex()) } }
                ul {
                    li { a #edition-json href={ (base) ".json" } { (l.t(W::EditionFile)) } }
                    li { a #edition-csv href={ (base) ".csv" } { (l.t(W::EditionCsv)) } }
                }
                p { (l.t(W::EditionVerify)) }
                pre { code { "dxgate ranking verify-edition " (date) ".json --key " (key) } }
            }
            section aria-labelledby="units" {
                h2 id="units" { (l.t(W::EditionUnits)) }
                (units(lang, l, &frozen.agencies, e.trend))
            }
            section aria-labelledby="others" {
                h2 id="others" { (l.t(W::EditionOthers)) }
                ul {
                    @for d in e.editions {
                        li {
                            @if *d == date { strong { (d) } }
                            @else { a href=(l.link(&format!("/public/ranking/editions/{d}"))) { (d) } }
                        }
                    }
                }
            }
        }
        footer {
            a href=(l.link("/public/ranking")) { (l.t(W::LiveRanking)) } " · "
            a href=(l.link("/public/methodology")) { (l.t(W::MethodologyTitle)) }
        }
    };
    Some(page(l, &heading, body))
}

fn units(
    lang: Lang,
    l: Locale<'_>,
    rows: &[Row],
    trend: &HashMap<String, Vec<TrendPoint>>,
) -> Markup {
    html! {
        table {
            caption { (l.t(W::EditionUnits)) }
            thead { tr {
                th scope="col" { (l.t(W::Rank)) } th scope="col" { (l.t(W::Agency)) }
                th scope="col" { (l.t(W::Group)) } th scope="col" { (l.t(W::Status)) }
                th scope="col" { (l.t(W::Tier)) } th scope="col" { (l.t(W::Score)) }
                th scope="col" { (l.t(W::EditionTrend)) }
            } }
            tbody {
                @for u in rows {
                    @let name = match lang { Lang::Vi if !u.name_vi.is_empty() => &u.name_vi, _ => &u.name };
                    @let points: Vec<(i64, f64)> = (trend.get(&u.id).into_iter().flatten())
                        .filter_map(|p| Some((p.day, p.score?)))
                        .collect();
                    @let title = words::edition_trend(lang, name, points.len(), points.last().map(|p| p.1));
                    tr id={ "u-" (u.id) } {
                        td { @match &u.rank { Some(r) => { (r.rank) "/" (r.of) }, None => "-" } }
                        th scope="row" { (name) }
                        td { (group_name(lang, &u.group)) }
                        td { (words::status(lang, u.status)) }
                        td { (tier(u.tier.as_deref())) }
                        td.n { (num(lang, u.score)) }
                        td { (edition_trend(lang, &format!("trend-{}", u.id), &title, &points)) }
                    }
                }
            }
        }
    }
}

fn group_name(lang: Lang, group: &str) -> &str {
    match group {
        "central" => words::code(lang, "central"),
        "provinces" => words::code(lang, "provinces"),
        other => other,
    }
}
