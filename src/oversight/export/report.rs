//! The printable report of an export (`format=html`): a summary of the period and every row,
//! server-rendered with print CSS (A4 landscape, the table head repeated on each page, rows
//! never split); no script, inline CSS only.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{Row, RowKind};
use crate::calendar::Zone;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:1.5rem;color:#111;line-height:1.4}\
h1{font-size:1.5rem;margin:0 0 .3rem}dl{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:.8rem 0}dt{font-weight:600}dd{margin:0}\
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border:1px solid #bbb;padding:.25rem .35rem;text-align:left;vertical-align:top}\
th{background:#eef1f5}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem;word-break:break-all}\
.summary td{text-align:right}.muted{color:#555;font-size:.85rem}\
@page{size:A4 landscape;margin:12mm}\
@media print{body{margin:0;font-size:9pt}table{font-size:7.5pt}thead{display:table-header-group}tr{break-inside:avoid}th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}.screen{display:none}}";

/// What the report is about, for its heading.
pub struct Heading<'a> {
    /// First and last day, `YYYY-MM-DD`, inclusive.
    pub from: &'a str,
    pub to: &'a str,
    pub agency: Option<&'a str>,
    pub generated_ms: i64,
    pub zone: &'a Zone,
}

/// The report of `rows` under `h`.
pub fn render(rows: &[Row], h: &Heading<'_>) -> String {
    let count = |k: RowKind| rows.iter().filter(|r| r.kind == k).count();
    let verdicts = |v: &str| {
        rows.iter()
            .filter(|r| matches!(r.kind, RowKind::AppealVerdict | RowKind::Review))
            .filter(|r| r.verdict.as_deref() == Some(v))
            .count()
    };
    let unjustified = rows
        .iter()
        .filter(|r| r.kind == RowKind::Refusal)
        .filter(|r| r.justification_status.as_deref() == Some("unjustified"))
        .count();
    let summary: [(&str, usize); 8] = [
        ("Refusals", count(RowKind::Refusal)),
        ("of which recorded unjustified", unjustified),
        ("Case justifications", count(RowKind::Justification)),
        ("Appeals", count(RowKind::Appeal)),
        ("Appeal verdicts", count(RowKind::AppealVerdict)),
        ("Refusal reviews", count(RowKind::Review)),
        ("Verdicts upheld", verdicts("upheld")),
        ("Verdicts overturned", verdicts("overturned")),
    ];
    let title = "Refusals, justifications, appeals and verdicts";
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " " (h.from) " – " (h.to) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                dl {
                    dt { "Period" } dd #period { (h.from) " – " (h.to) " (" (h.zone.name()) ", inclusive)" }
                    dt { "Agency" } dd #agency { (h.agency.unwrap_or("all agencies")) }
                    dt { "Generated" } dd { (h.zone.format_instant(h.generated_ms)) }
                    dt { "Source" } dd { "the audit chain and the review log of this gateway; each row's hash and catalogue version can be checked there" }
                }
                p.screen.muted { "Print this page (A4, landscape) for the formal report; the same rows are in format=csv and format=json." }
                table.summary #summary {
                    tbody { @for (label, n) in summary { tr { th scope="row" { (label) } td { (n) } } } }
                }
                h2 { "Rows" }
                @if rows.is_empty() { p #empty { "Nothing was refused, justified, appealed or decided in this period." } }
                @else { (table(rows, h.zone)) }
            }
        }
    }
    .into_string()
}

fn table(rows: &[Row], zone: &Zone) -> Markup {
    html! {
        table #rows {
            thead { tr {
                th { "Time" } th { "Kind" } th { "Refused request" } th { "Agency / dataset" }
                th { "Actor" } th { "Details" } th { "Catalogue version" } th { "Record" }
            } }
            tbody {
                @for r in rows {
                    tr.row data-kind=(r.kind.as_str()) data-id=(r.id) {
                        td { (zone.format_instant(r.ts_ms)) }
                        td { (r.kind.as_str()) }
                        td { code { (r.about) } }
                        td { (r.agency.as_deref().unwrap_or("")) " / " (r.dataset.as_deref().unwrap_or("")) }
                        td { (r.actor.as_deref().unwrap_or("")) }
                        td { (details(r)) }
                        td { code { (r.catalog_digest.map(|d| d.to_hex()).unwrap_or_default()) } }
                        td { code { (r.id) } br; code.muted { (r.hash.to_hex()) } }
                    }
                }
            }
        }
    }
}

/// The facts that matter for the row's kind, labelled.
fn details(r: &Row) -> Markup {
    let facts: [(&str, Option<String>); 11] = [
        ("status", r.status.map(|s| s.to_string())),
        ("justification", r.justification_status.clone()),
        ("decided by", r.decided_by.clone()),
        ("legal basis", r.legal_basis.clone()),
        ("reason", r.reason.clone()),
        ("document", r.document_ref.clone()),
        ("purpose", r.purpose.clone()),
        ("grounds", r.grounds.clone()),
        ("verdict", r.verdict.clone()),
        ("note", r.note.clone()),
        ("late", r.late.filter(|l| *l).map(|_| "yes".to_owned())),
    ];
    html! {
        @for (label, value) in facts {
            @if let Some(v) = value { div { b { (label) ": " } (v) } }
        }
    }
}
