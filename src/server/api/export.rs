//! `GET /v1/oversight/export?from&to&agency&format=json|csv|html` (oversight only): a period's
//! refusals, case justifications, appeals and verdicts for formal reports, each with the
//! catalogue version it was decided under. A witnessed read, like every read of audit data.

use http::{header, HeaderValue, Request, StatusCode};
use serde_json::json;

use super::witness::{witness_read, Reader};
use super::{query, Reply};
use crate::audit::now_ms;
use crate::gateway::Gateway;
use crate::identity::Role;
use crate::oversight::export::{self, report, Format};
use crate::server::caller;
use crate::server::problem::Problem;

/// Security headers of the printable report: no script, inline CSS only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /v1/oversight/export`.
pub async fn handle<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let c = caller::consumer(gw, req, "exports are for the competent authority").await?;
    if !c.has_role(Role::Oversight) {
        return Err(Problem::forbidden(
            "only the oversight authority can export refusals, appeals and verdicts",
        ));
    }
    let zone = &gw.settings.ranking.timezone;
    let (filter, format, [from, to]) = query::export(req.uri().query(), zone)?;
    let rows = export::rows(&gw.store, &filter).await?;
    let endpoint = "/v1/oversight/export";
    witness_read(
        gw,
        Reader::Consumer(&c.id),
        endpoint,
        req.uri().query(),
        rows.len(),
    )
    .await?;
    let agency = filter.agency.as_deref();
    let name = format!(
        "dxgate-export-{from}-{to}{}",
        agency.map(|a| format!("-{a}")).unwrap_or_default()
    );
    let mut r = match format {
        Format::Json => super::json(
            StatusCode::OK,
            &json!({
                "from": from, "to": to, "timezone": zone.name(), "agency": agency,
                "from_ms": filter.from_ms, "to_ms": filter.to_ms, "rows": rows,
            }),
        ),
        Format::Csv => {
            let mut r = super::with_type(export::csv(&rows, zone), "text/csv; charset=utf-8");
            let disposition = format!("attachment; filename=\"{name}.csv\"");
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Format::Html => {
            let heading = report::Heading {
                from: &from,
                to: &to,
                agency,
                generated_ms: now_ms(),
                zone,
            };
            let page = report::render(&rows, &heading);
            let headers = [
                (header::CONTENT_SECURITY_POLICY, CSP),
                (header::REFERRER_POLICY, "no-referrer"),
            ];
            super::with_headers(page, "text/html; charset=utf-8", &headers)
        }
    };
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(r)
}
