//! The public page's figures that are not ranking weights: the documents citizens were spared
//! (per agency and dataset), and per dataset its readiness probes, data age and clean share.

use maud::{html, Markup};

use super::html::Locale;
use super::words::{self, pct, Of, W};
use super::{date, prose};
use crate::ranking::model::{AgencyResult, Ranking};

/// "Documents citizens were spared": one row per agency and dataset with any, and the total.
pub fn section(r: &Ranking, l: Locale<'_>) -> Markup {
    let t = |w| l.lang.t(w);
    let rows: Vec<_> = r
        .agencies
        .iter()
        .flat_map(|a| a.datasets.iter().map(move |d| (a, d)))
        .filter(|(_, d)| d.documents_spared > 0)
        .collect();
    let total: i64 = r.agencies.iter().map(|a| a.documents_spared).sum();
    html! {
        section aria-labelledby="spared" {
            h2 id="spared" { (t(W::Spared)) }
            (prose::spared(l.lang, total))
            @if !rows.is_empty() {
                table {
                    caption { (t(W::SparedCaption)) }
                    thead { tr { th scope="col" { (t(W::Agency)) } th scope="col" { (t(W::Dataset)) } th scope="col" { (t(W::DocumentsSpared)) } } }
                    tbody {
                        @for (a, d) in &rows {
                            tr { td { (l.name(a)) } td { (d.dataset) } td.n { (d.documents_spared) } }
                        }
                    }
                }
            }
        }
    }
}

/// Per dataset of `a`: probes, last answered probe, data age, clean share.
pub fn datasets(l: Locale<'_>, a: &AgencyResult) -> Markup {
    let t = |w| l.lang.t(w);
    html! {
        @if !a.datasets.is_empty() {
            table {
                caption { (words::of_unit(l.lang, Of::Datasets, l.name(a))) }
                thead { tr {
                    th scope="col" { (t(W::Dataset)) } th scope="col" { (t(W::ProbesAnswered)) } th scope="col" { (t(W::LastProbe)) }
                    th scope="col" { (t(W::DataAsOf)) } th scope="col" { (t(W::Freshness)) } th scope="col" { (t(W::Clean)) }
                    th scope="col" { (t(W::DocumentsSpared)) }
                } }
                tbody {
                    @for d in &a.datasets {
                        tr {
                            td { (d.dataset) }
                            td.n { @if d.probed { (words::of(l.lang, d.probes_answered, d.probes)) } @else { (t(W::NoProbe)) } }
                            td { (d.last_probe_ok_ms.map(date).unwrap_or_else(|| t(W::Never).into())) }
                            td { (d.data_as_of_ms.map(date).unwrap_or_else(|| "-".into())) }
                            td.n { (pct(l.lang, d.freshness)) }
                            td.n { (pct(l.lang, d.clean)) }
                            td.n { (d.documents_spared) }
                        }
                    }
                }
            }
        }
    }
}
