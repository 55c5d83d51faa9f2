//! `GET /catalog`: the portal page — server-rendered, no scripts, inline CSS only; a search
//! form (`?q=`), a language switch (`?lang=vi|en`), and per dataset its owner, mandate,
//! refresh period, field tables, refusal rules with their legal basis and an example call.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::fields::Field;
use super::{Entry, Refusal};
use crate::i18n::{Lang, Msg};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.5}\
header{background:#1d3557;color:#fff;padding:1.4rem 2rem}header h1{margin:0 0 .3rem;font-size:1.8rem}header a{color:#fff}\
main{padding:.5rem 2rem 2rem;max-width:72rem}section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem 1.3rem;margin:1.2rem 0}\
h2{font-size:1.35rem;margin:.3rem 0 .4rem}h3{font-size:1.05rem;margin:1rem 0 .3rem}\
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.4rem 0}\
th,td{border-bottom:1px solid #e3e3e3;padding:.35rem .45rem;text-align:left;vertical-align:top}th{background:#f0f3f7}\
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88rem}pre{background:#f3f3f3;padding:.6rem;overflow-x:auto;white-space:pre-wrap}\
form{margin:1rem 0}input[type=search]{padding:.4rem;width:22rem;max-width:70%}.muted{color:#555;font-size:.9rem}footer{padding:1rem 2rem;color:#555}";

/// The page for `entries` (already filtered by `q`), of `total` datasets, in `lang`.
pub fn render(entries: &[Entry], total: usize, q: &str, lang: Lang) -> String {
    let t = |m| lang.t(m);
    let other = lang.other();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .finish();
    let query = (!q.is_empty()).then_some(query.as_str());
    let switch = crate::i18n::switch_href("/catalog", query, other);
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(Msg::CatalogTitle)) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { (t(Msg::CatalogTitle)) }
                    p { (t(Msg::CatalogIntro)) }
                    p { a #lang-switch href=(switch) hreflang=(other.tag()) lang=(other.tag()) { (other.t(Msg::LanguageName)) } }
                }
                main {
                    form method="get" action="/catalog" role="search" {
                        input type="hidden" name="lang" value=(lang.tag());
                        label for="q" { (t(Msg::Search)) ": " }
                        input #q type="search" name="q" value=(q) placeholder=(t(Msg::SearchHint));
                        " "
                        button type="submit" { (t(Msg::Search)) }
                    }
                    p.muted #count { (entries.len()) " / " (total) " " (t(Msg::Datasets)) }
                    @if entries.is_empty() {
                        p #no-match { (t(Msg::NoMatch)) }
                    }
                    @for e in entries { (dataset(e, lang)) }
                }
                footer {
                    (t(Msg::MachineReadable)) ": "
                    a href="/public/catalog.json" { "catalog.json" } " · "
                    a href="/public/catalog.jsonld" { "DCAT (JSON-LD)" } " · "
                    a href="/openapi.json" { "OpenAPI" }
                }
            }
        }
    }
    .into_string()
}

fn dataset(e: &Entry, lang: Lang) -> Markup {
    let t = |m| lang.t(m);
    html! {
        section.dataset id={ (e.agency) "/" (e.id) } {
            h2 { (e.title) }
            p.muted { code { (e.agency) "/" (e.id) } }
            p { (e.description) }
            table.facts {
                tr { th { (t(Msg::Owner)) } td.owner { (e.owner) } }
                tr {
                    th { (t(Msg::Mandate)) }
                    td.mandate {
                        @match &e.mandate {
                            Some(m) => { (m.official) " — " (t(Msg::Deadline)) " " (m.deadline) },
                            None => (t(Msg::NoMandate)),
                        }
                    }
                }
                tr {
                    th { (t(Msg::Refresh)) }
                    td.refresh { (e.refresh_period.as_deref().unwrap_or(t(Msg::NotDeclared))) }
                }
            }
            h3 { (t(Msg::RequestFields)) }
            (field_table(&e.request_fields, lang, "request-fields"))
            h3 { (t(Msg::ResponseFields)) }
            (field_table(&e.response_fields, lang, "response-fields"))
            h3 { (t(Msg::Refusals)) }
            @if e.refusals.is_empty() {
                p.refusals { (t(Msg::NoRefusals)) }
            } @else {
                ul.refusals { @for r in &e.refusals { li { (refusal(r, lang)) } } }
            }
            @if !e.field_rules.is_empty() {
                h3 { (t(Msg::FieldRules)) }
                p { (t(Msg::FieldRulesOnly)) }
                ul.field-rules {
                    @for r in &e.field_rules {
                        li { code { (r.purposes.join(", ")) } " → " code { (r.allow.join(", ")) } }
                    }
                }
            }
            h3 { (t(Msg::Example)) }
            pre.example { code { (e.example.curl) } }
            p.muted {
                a href=(e.links.openapi) { "OpenAPI" } " · "
                a href=(e.links.request_schema) { "request schema" } " · "
                a href=(e.links.response_schema) { "response schema" }
            }
        }
    }
}

fn field_table(fields: &[Field], lang: Lang, class: &str) -> Markup {
    let t = |m| lang.t(m);
    html! {
        table class=(class) {
            thead { tr {
                th { (t(Msg::Field)) } th { (t(Msg::Type)) } th { (t(Msg::Required)) }
                th { (t(Msg::Description)) } th { (t(Msg::Constraints)) }
            } }
            tbody {
                @for f in fields {
                    tr {
                        td { code { (f.name) } }
                        td { (f.kind) }
                        td { (if f.required { t(Msg::Yes) } else { t(Msg::No) }) }
                        td { (f.description) }
                        td { code { (f.constraints) } }
                    }
                }
            }
        }
    }
}

fn refusal(r: &Refusal, lang: Lang) -> Markup {
    let t = |m| lang.t(m);
    let list = |v: &Vec<String>| v.join(", ");
    html! {
        @if let Some(p) = &r.purposes_not_in { (t(Msg::RefusedUnlessPurpose)) " " code { (list(p)) } ". " }
        @if let Some(c) = &r.consumers { (t(Msg::RefusedForConsumers)) " " code { (list(c)) } ". " }
        @if let Some(c) = &r.except_consumers { (t(Msg::RefusedExcept)) " " code { (list(c)) } ". " }
        @if r.purposes_not_in.is_none() && r.consumers.is_none() && r.except_consumers.is_none() {
            (t(Msg::RefusedAlways)) ". "
        }
        (r.reason) " "
        em.legal-basis { (t(Msg::LegalBasis)) ": " (r.legal_basis) }
    }
}
