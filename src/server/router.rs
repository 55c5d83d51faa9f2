//! Which handler a request goes to, by path and method, from one route table — and the one
//! place a handler's `Err(Problem)` becomes a response ([`respond`]).
//!
//! A path the table does not know is 404; a known path with a method its route does not take
//! is 405 with `Allow` from the table. Data requests are the exception: every method on
//! `/v1/data/…` goes to the pipeline, which records it (a 405 there is an audit record too).

use std::sync::Arc;

use http::{header, Method, Request, Response};
use hyper::body::Incoming;

use super::api::{
    admin, appeals, audit, catalog, checkpoint, cosign, editions, export, health, me, openapi,
    oversight, oversight_page, portal, public, sign_in, versions, Body, Reply,
};
use super::manners::{self, Asked, Cors, Manners};
use super::pipeline;
use super::problem::{Problem, ProblemKind};
use crate::gateway::Gateway;

/// The methods a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    /// GET (and HEAD).
    Read,
    /// POST only.
    Write,
    /// GET or POST; the data pipeline answers (and records) any other method.
    Data,
    /// GET (and HEAD) to read, POST to add.
    ReadWrite,
}

impl Methods {
    /// The `Allow` header of a 405.
    pub fn allow(self) -> &'static str {
        match self {
            Methods::Read => "GET, HEAD",
            Methods::Write => "POST",
            Methods::Data => "GET, POST",
            Methods::ReadWrite => "GET, HEAD, POST",
        }
    }

    /// Whether the router passes `m` on to the route's handler.
    fn admits(self, m: &Method) -> bool {
        match self {
            Methods::Read => m == Method::GET || m == Method::HEAD,
            Methods::Write => m == Method::POST,
            Methods::Data => true,
            Methods::ReadWrite => m == Method::GET || m == Method::HEAD || m == Method::POST,
        }
    }
}

/// What a route serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Data,
    /// Anything else under `/v1/data`: still a data request, so still recorded.
    DataMalformed,
    Catalog,
    CatalogVersions,
    CatalogVersion,
    Schema,
    AuditRecords,
    AuditRecord,
    Checkpoints,
    CheckpointNote,
    Inclusion,
    AccessLog,
    Refusals,
    Refusal,
    Review,
    OversightPage,
    OversightScript,
    Probes,
    Ranking(public::Format),
    MonitoringDaily(public::Format),
    Editions,
    Edition(public::Format),
    Methodology,
    Healthz,
    Readyz,
    Metrics,
    OpenApi,
    // Issue 12: consistency proofs and witness cosignatures.
    Consistency,
    Cosignatures,
    Cosigned,
    // Issue 15: the public data portal.
    PortalPage,
    PortalJson,
    PortalJsonLd,
    DatasetOpenApi,
    // Issue 14: case justifications and appeals.
    Justification,
    Appeals,
    AppealDecision,
    Story,
    Export,
    // Issue 15 item 5: staff sign-in.
    SignIn,
    SignInCallback,
    SignOut,
    SignInSession,
    // Issue 14 item 2: catalogue changes through the gateway, four eyes.
    Proposals,
    ProposalDecision,
}

impl Endpoint {
    /// CORS and caching of the endpoint's answers (issue 15 item 9, `server::manners`).
    fn manners(self) -> Manners {
        use Endpoint::*;
        let (cors, cacheable) = match self {
            Data | DataMalformed | AuditRecords | AuditRecord | Inclusion | AccessLog
            | Refusals | Refusal | Review | Probes => (Cors::PerConsumer, false),
            Justification | Appeals | AppealDecision | Story | Export => (Cors::PerConsumer, false),
            Proposals | ProposalDecision => (Cors::PerConsumer, false),
            Catalog | CatalogVersions | CatalogVersion => (Cors::PerConsumer, true),
            Schema | Ranking(_) | MonitoringDaily(_) | Methodology | OpenApi => (Cors::Any, true),
            Editions | Edition(_) => (Cors::Any, true),
            PortalPage | PortalJson | PortalJsonLd | DatasetOpenApi => (Cors::Any, true),
            Checkpoints | CheckpointNote | Consistency | Cosigned => (Cors::Any, false),
            Cosignatures => (Cors::None, false),
            OversightPage | OversightScript | Healthz | Readyz | Metrics => (Cors::None, false),
            SignIn | SignInCallback | SignOut | SignInSession => (Cors::None, false),
        };
        Manners { cors, cacheable }
    }
}

/// One route: a path pattern (`{name}` is one non-empty segment, `{name}.json` one ending in
/// `.json`, `{*name}` the rest of the path), the methods it takes, and whether `openapi/dxgate.json` documents it.
struct Route {
    pattern: &'static str,
    methods: Methods,
    endpoint: Endpoint,
    /// Checked against the document by the router's tests.
    #[cfg_attr(not(test), allow(dead_code))]
    documented: bool,
}

const fn documented(pattern: &'static str, methods: Methods, endpoint: Endpoint) -> Route {
    Route {
        pattern,
        methods,
        endpoint,
        documented: true,
    }
}

/// A route kept for compatibility (a trailing slash, a page's script), not in the document.
const fn alias(pattern: &'static str, methods: Methods, endpoint: Endpoint) -> Route {
    Route {
        documented: false,
        ..documented(pattern, methods, endpoint)
    }
}

/// Every route the gateway serves; the first match wins.
const ROUTES: &[Route] = {
    use public::Format;
    use Endpoint::*;
    use Methods::{Read, Write};
    &[
        documented("/v1/data/{agency}/{dataset}", Methods::Data, Data),
        alias("/v1/data", Methods::Data, DataMalformed),
        alias("/v1/data/{*rest}", Methods::Data, DataMalformed),
        documented("/v1/catalog", Read, Catalog),
        // issue 14: catalogue versions witnessed in the chain.
        documented("/v1/catalog/versions", Read, CatalogVersions),
        documented("/v1/catalog/versions/{digest}", Read, CatalogVersion),
        documented("/v1/schemas/{*path}", Read, Schema),
        documented("/v1/audit/records", Read, AuditRecords),
        alias("/v1/audit/records/", Read, AuditRecords),
        documented("/v1/audit/records/{request_id}", Read, AuditRecord),
        documented("/v1/audit/checkpoint", Read, Checkpoints),
        alias("/v1/audit/checkpoint/", Read, Checkpoints),
        documented("/v1/audit/checkpoint/{node}", Read, CheckpointNote),
        documented("/v1/audit/inclusion/{request_id}", Read, Inclusion),
        // Issue 12: consistency proofs and witness cosignatures.
        documented("/v1/audit/consistency/{node}", Read, Consistency),
        documented(
            "/v1/audit/checkpoint/{node}/cosignatures",
            Write,
            Cosignatures,
        ),
        documented("/v1/audit/checkpoint/{node}/cosigned", Read, Cosigned),
        documented("/v1/me/access-log", Read, AccessLog),
        documented("/v1/oversight/refusals", Read, Refusals),
        documented("/v1/oversight/refusals/{request_id}", Read, Refusal),
        documented("/v1/oversight/refusals/{request_id}/review", Write, Review),
        // issue 11: readiness probes on demand
        documented("/v1/oversight/probes", Write, Probes),
        documented("/oversight", Read, OversightPage),
        alias("/oversight/", Read, OversightPage),
        alias("/oversight/app.js", Read, OversightScript),
        documented("/public/ranking", Read, Ranking(public::Format::Html)),
        documented("/public/ranking.json", Read, Ranking(public::Format::Json)),
        documented("/public/ranking.csv", Read, Ranking(public::Format::Csv)),
        documented("/public/methodology", Read, Methodology),
        // Issue 11 item 6: dated official editions (`.json`, `.csv` before the page).
        documented("/public/ranking/editions", Read, Editions),
        documented(
            "/public/ranking/editions/{date}.json",
            Read,
            Edition(Format::Json),
        ),
        documented(
            "/public/ranking/editions/{date}.csv",
            Read,
            Edition(Format::Csv),
        ),
        documented(
            "/public/ranking/editions/{date}",
            Read,
            Edition(Format::Html),
        ),
        // Issue 11: the daily monitoring report.
        documented(
            "/public/monitoring/daily.json",
            Read,
            MonitoringDaily(public::Format::Json),
        ),
        documented(
            "/public/monitoring/daily.csv",
            Read,
            MonitoringDaily(public::Format::Csv),
        ),
        documented("/healthz", Read, Healthz),
        documented("/readyz", Read, Readyz),
        documented("/metrics", Read, Metrics),
        documented("/openapi.json", Read, OpenApi),
        // Issue 15: the public data portal and per-dataset OpenAPI documents.
        documented("/catalog", Read, PortalPage),
        documented("/public/catalog.json", Read, PortalJson),
        documented("/public/catalog.jsonld", Read, PortalJsonLd),
        documented("/v1/openapi/{agency}/{dataset}.json", Read, DatasetOpenApi),
        // Issue 14: case justifications and appeals.
        documented(
            "/v1/refusals/{request_id}/justification",
            Write,
            Justification,
        ),
        documented("/v1/refusals/{request_id}/story", Read, Story),
        documented("/v1/appeals", Methods::ReadWrite, Appeals),
        documented("/v1/appeals/{appeal_id}/decision", Write, AppealDecision),
        documented("/v1/oversight/export", Read, Export),
        // Issue 15 item 5: staff sign-in with OpenID Connect.
        documented("/auth/login", Read, SignIn),
        documented("/auth/callback", Read, SignInCallback),
        documented("/auth/logout", Write, SignOut),
        documented("/auth/session", Read, SignInSession),
        // Issue 14 item 2: catalogue changes through the gateway, four eyes.
        documented("/v1/admin/proposals", Methods::ReadWrite, Proposals),
        documented(
            "/v1/admin/proposals/{proposal_id}/decision",
            Write,
            ProposalDecision,
        ),
    ]
};

/// Answer one request.
///
/// `OPTIONS` on a known route is answered 204 with `Allow` (and CORS headers for a preflight)
/// — except a plain `OPTIONS` on `/v1/data/…`, which stays a recorded data request. Every
/// other answer gets its route's CORS and caching manners (`server::manners`).
pub async fn route(gw: Arc<Gateway>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    let Some(found) = ROUTES.iter().find(|r| captures(r.pattern, path).is_some()) else {
        return respond(dispatch(gw, req).await);
    };
    let manners = found.endpoint.manners();
    let preflight = req
        .headers()
        .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if req.method() == Method::OPTIONS && (found.methods != Methods::Data || preflight) {
        return manners::preflight(&gw.catalog(), &req, manners, found.methods.allow());
    }
    let asked = Asked::of(&req);
    let (r, caller) = manners::scoped(async move { respond(dispatch(gw, req).await) }).await;
    manners::finish(asked, manners, caller, r).await
}

/// The one place a problem becomes a response (RFC 9457 problem+json).
pub fn respond(reply: Reply) -> Response<Body> {
    reply.unwrap_or_else(|p| p.render())
}

async fn dispatch(gw: Arc<Gateway>, req: Request<Incoming>) -> Reply {
    let path = req.uri().path().to_owned();
    let (endpoint, caps) = resolve(req.method(), &path)?;
    let cap = |i: usize| caps.get(i).copied().unwrap_or_default();
    let gw = gw.as_ref();
    use Endpoint::*;
    match endpoint {
        Data => pipeline::handle(gw, req, cap(0), cap(1)).await,
        DataMalformed => pipeline::handle(gw, req, "", "").await,
        Catalog => catalog::handle(gw, &req).await,
        CatalogVersions => versions::list(gw, &req).await,
        CatalogVersion => versions::get(gw, &req, cap(0)).await,
        Schema => catalog::schema(gw, cap(0)),
        AuditRecords => audit::list(gw, &req).await,
        AuditRecord => audit::get(gw, &req, cap(0)).await,
        Checkpoints => checkpoint::latest(gw).await,
        CheckpointNote => checkpoint::note(gw, cap(0)).await,
        Inclusion => checkpoint::inclusion(gw, &req, cap(0)).await,
        AccessLog => me::access_log(gw, &req).await,
        Refusals => oversight::list(gw, &req).await,
        Refusal => oversight::get(gw, &req, cap(0)).await,
        Review => oversight::review(gw, req, cap(0)).await,
        OversightPage => Ok(oversight_page::page()),
        OversightScript => Ok(oversight_page::script()),
        Probes => oversight::probes(gw, &req).await,
        Ranking(format) => public::ranking(gw, &req, format).await,
        MonitoringDaily(format) => public::monitoring_daily(gw, &req, format).await,
        Methodology => public::methodology(gw, &req),
        Editions => editions::list(gw).await,
        Edition(format) => editions::get(gw, &req, cap(0), format).await,
        Healthz => Ok(health::healthz()),
        Readyz => Ok(health::readyz(gw).await),
        Metrics => Ok(health::metrics(gw)),
        OpenApi => Ok(openapi::handle()),
        Consistency => cosign::proof(gw, &req, cap(0)).await,
        Cosignatures => cosign::submit(gw, req, cap(0)).await,
        Cosigned => cosign::cosigned(gw, cap(0)).await,
        PortalPage => portal::page(gw, &req),
        PortalJson => portal::json(gw, &req),
        PortalJsonLd => portal::jsonld(gw),
        DatasetOpenApi => portal::openapi(gw, cap(0), cap(1)),
        Justification => appeals::justify(gw, req, cap(0)).await,
        Story => appeals::story(gw, &req, cap(0)).await,
        Appeals if req.method() == Method::POST => appeals::file(gw, req).await,
        Appeals => appeals::list(gw, &req).await,
        AppealDecision => appeals::decide(gw, req, cap(0)).await,
        Export => export::handle(gw, &req).await,
        SignIn => sign_in::login(gw, &req).await,
        SignInCallback => sign_in::callback(gw, &req).await,
        SignOut => sign_in::logout(gw, &req).await,
        SignInSession => sign_in::session(gw, &req).await,
        Proposals if req.method() == Method::POST => admin::propose(gw, req).await,
        Proposals => admin::list(gw, &req).await,
        ProposalDecision => admin::decide(gw, req, cap(0)).await,
    }
}

/// The endpoint `method path` goes to, with the path's `{…}` captures in order; 404 or 405.
fn resolve<'p>(method: &Method, path: &'p str) -> Result<(Endpoint, Vec<&'p str>), Problem> {
    let (route, caps) = ROUTES
        .iter()
        .find_map(|r| captures(r.pattern, path).map(|c| (r, c)))
        .ok_or_else(|| not_found(path))?;
    if !route.methods.admits(method) {
        let verb = match route.methods {
            Methods::Write => "POST",
            Methods::Read | Methods::Data => "GET",
            Methods::ReadWrite => "GET or POST",
        };
        return Err(Problem::new(
            ProblemKind::MethodNotAllowed,
            format!(
                "{} is not allowed here; use {verb}",
                truncate(method.as_str())
            ),
        )
        .with_header(header::ALLOW, route.methods.allow()));
    }
    Ok((route.endpoint, caps))
}

/// `path`'s captures if it matches `pattern`.
fn captures<'p>(pattern: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let mut caps = Vec::new();
    let mut rest = Some(path.strip_prefix('/')?);
    for want in pattern.trim_start_matches('/').split('/') {
        let here = rest?;
        if want.starts_with("{*") {
            caps.push(here);
            return Some(caps);
        }
        let (seg, tail) = match here.split_once('/') {
            Some((seg, tail)) => (seg, Some(tail)),
            None => (here, None),
        };
        if let Some(var) = want.strip_prefix('{') {
            // `{name}` or `{name}.ext`: a non-empty segment (without the literal suffix).
            let suffix = var.split_once('}').map_or("", |(_, s)| s);
            let stem = seg.strip_suffix(suffix)?;
            if stem.is_empty() {
                return None;
            }
            caps.push(stem);
        } else if want != seg {
            return None;
        }
        rest = tail;
    }
    rest.is_none().then_some(caps)
}

/// 404, with a hint where one helps.
fn not_found(path: &str) -> Problem {
    let hint = if path.starts_with("/v1/oversight/") {
        "oversight serves /v1/oversight/refusals".to_owned()
    } else if path.starts_with("/oversight/") {
        "the oversight page is at /oversight".to_owned()
    } else if path.starts_with("/public/") {
        "public pages: /public/ranking, /public/ranking.json, /public/ranking.csv, /public/ranking/editions, /public/methodology, /public/catalog.json, /public/catalog.jsonld".to_owned()
    } else {
        format!("nothing is served at {}", truncate(path))
    };
    Problem::not_found(hint)
}

/// Paths echoed in problems are cut short (they are consumer input).
fn truncate(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests;
