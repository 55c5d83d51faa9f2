//! The public page's figures that are not ranking weights: the documents citizens were spared
//! (per agency and dataset), and per dataset its readiness probes, data age and clean share.

use maud::{html, Markup};

use super::{date, pct};
use crate::ranking::model::{AgencyResult, Ranking};

/// "Documents citizens were spared": one row per agency and dataset with any, and the total.
pub fn section(r: &Ranking) -> Markup {
    let rows: Vec<_> = r
        .agencies
        .iter()
        .flat_map(|a| a.datasets.iter().map(move |d| (a, d)))
        .filter(|(_, d)| d.documents_spared > 0)
        .collect();
    let total: i64 = r.agencies.iter().map(|a| a.documents_spared).sum();
    html! {
        section aria-labelledby="spared" {
            h2 id="spared" { "Documents citizens were spared" }
            p {
                "Each served lookup about a person or an enterprise, made by another agency, is a document the citizen did not have to bring: "
                strong { (total) } " in the window. This figure shows what sharing is for; it is not part of the score."
            }
            @if !rows.is_empty() {
                table {
                    caption { "Documents spared, by agency and dataset" }
                    thead { tr { th scope="col" { "Agency" } th scope="col" { "Dataset" } th scope="col" { "Documents spared" } } }
                    tbody {
                        @for (a, d) in &rows {
                            tr { td { (a.name) } td { (d.dataset) } td.n { (d.documents_spared) } }
                        }
                    }
                }
            }
        }
    }
}

/// Per dataset of `a`: probes, last answered probe, data age, clean share.
pub fn datasets(a: &AgencyResult) -> Markup {
    html! {
        @if !a.datasets.is_empty() {
            table {
                caption { "Datasets of " (a.name) ": readiness probes, freshness and clean answers" }
                thead { tr {
                    th scope="col" { "Dataset" } th scope="col" { "Probes answered" } th scope="col" { "Last answered probe" }
                    th scope="col" { "Data as of" } th scope="col" { "Freshness" } th scope="col" { "Clean answers" }
                    th scope="col" { "Documents spared" }
                } }
                tbody {
                    @for d in &a.datasets {
                        tr {
                            td { (d.dataset) }
                            td.n { @if d.probed { (d.probes_answered) " of " (d.probes) } @else { "no probe request" } }
                            td { (d.last_probe_ok_ms.map(date).unwrap_or_else(|| "never".into())) }
                            td { (d.data_as_of_ms.map(date).unwrap_or_else(|| "-".into())) }
                            td.n { (pct(d.freshness)) }
                            td.n { (pct(d.clean)) }
                            td.n { (d.documents_spared) }
                        }
                    }
                }
            }
        }
    }
}
