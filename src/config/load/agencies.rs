//! `policies/agencies/*.toml`: one agency per file and its datasets — schemas, subject field,
//! refusal rules, rate and source (mandates live in the register, `policies/mandates.toml`) — each checked and reported at its position.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use super::{read_toml, resolve_sqlite_url, FileText, Texts};
use crate::config::catalog::{Agency, Dataset};
use crate::config::files::{AgencyFile, DatasetDecl, FieldsDecl, RefusalDecl};
use crate::config::{Catalog, Diagnostics};
use crate::identity::Rate;
use crate::ids::Ident;
use crate::policy::{FieldRule, Grounds, RefusalRule, Text};
use crate::source::{http, SourceSpec, SqlSource, UpstreamTls};
use crate::validate::Schema;

/// Read the agency file `path` into `catalog.agencies`.
pub(super) fn load(
    dir: &Path,
    path: &Path,
    catalog: &mut Catalog,
    texts: &mut Texts,
    diags: &mut Diagnostics,
) {
    let Some((text, file)) = read_toml::<AgencyFile>(path, texts, diags) else {
        return;
    };
    let f = FileText { path, text: &text };
    let id_at = file.id.span().start;
    let id = file.id.into_inner();
    if catalog.agencies.contains_key(id.as_str()) {
        let msg = format!("agency \"{id}\" is declared in another file too");
        f.err(diags, id_at, msg);
        return;
    }
    if catalog.register.declared && catalog.register.unit_of_agency(id.as_str()).is_none() {
        let msg = format!("agency \"{id}\" connects no unit of the mandate register (policies/mandates.toml); the competent authority adds units there");
        f.err(diags, id_at, msg);
    }
    let mut datasets = BTreeMap::new();
    for decl in file.datasets {
        let at = decl.span().start;
        let decl = decl.into_inner();
        let ds_id = decl.id.clone();
        if datasets.contains_key(ds_id.as_str()) {
            f.err(diags, at, format!("dataset \"{ds_id}\" is declared twice"));
            continue;
        }
        let mut ctx = Ctx {
            dir,
            f: &f,
            diags,
            ok: true,
        };
        if let Some(ds) = dataset(&mut ctx, &id, decl, catalog) {
            // A dataset on the state-secret list is never routable, even if declared.
            if catalog.secret(id.as_str(), ds_id.as_str()).is_none() {
                datasets.insert(ds_id.as_str().to_owned(), Arc::new(ds));
            }
        }
    }
    catalog.agencies.insert(
        id.as_str().to_owned(),
        Agency {
            id,
            name: file.name,
            kind: file.kind,
            datasets,
        },
    );
}

/// Checking one dataset: where to report, and whether anything was wrong.
struct Ctx<'a, 'f> {
    dir: &'a Path,
    f: &'a FileText<'f>,
    diags: &'a mut Diagnostics,
    ok: bool,
}

impl Ctx<'_, '_> {
    fn err(&mut self, at: usize, msg: impl Into<String>) {
        self.ok = false;
        self.f.err(self.diags, at, msg);
    }
}

fn dataset(
    ctx: &mut Ctx<'_, '_>,
    agency: &Ident,
    decl: DatasetDecl,
    catalog: &Catalog,
) -> Option<Dataset> {
    let name = format!("{agency}/{}", decl.id);
    let schema = |ctx: &mut Ctx<'_, '_>, s: &toml::Spanned<String>, which: &str| {
        let found = catalog.schemas.get(s.get_ref().as_str()).cloned();
        if found.is_none() {
            ctx.err(s.span().start, format!(
                "dataset {name}: {which} {:?} not found under schemas/ (or it failed to compile, see above)",
                s.get_ref()
            ));
        }
        found
    };
    let request_schema = schema(ctx, &decl.request_schema, "request_schema");
    let response_schema = schema(ctx, &decl.response_schema, "response_schema");
    let at = decl.source.span().start;
    if let (Some(field), Some(req)) = (&decl.subject_field, &request_schema) {
        if !req.has_property(field.get_ref()) {
            let field_at = field.span().start;
            let field = field.get_ref();
            ctx.err(field_at, format!("dataset {name}: subject_field {field:?} is not a property of its request schema"));
        }
    }
    if let Some(m) = &decl.mandate {
        ctx.err(m.span().start, format!("dataset {name}: mandates live in the mandate register (policies/mandates.toml), kept by the competent authority; an agency file cannot create, move or remove one — remove [datasets.mandate] from this file"));
    }
    let probe = probe_request(ctx, &name, decl.probe, request_schema.as_deref());
    if let Some(p) = &decl.freshness_pointer {
        if !(p.get_ref().is_empty() || p.get_ref().starts_with('/')) {
            let msg = format!("dataset {name}: freshness_pointer {:?} must be a JSON pointer such as \"/as_of\" or \"/0/updated_at\"", p.get_ref());
            ctx.err(p.span().start, msg);
        }
    }
    let mut refusals = Vec::new();
    for (i, r) in decl.refusals.into_iter().enumerate() {
        let r_at = r.span().start;
        match refusal_rule(&name, i + 1, r.into_inner(), catalog) {
            Ok(rule) => refusals.push(rule),
            Err(msg) => ctx.err(r_at, msg),
        }
    }
    let fields = field_rules(ctx, &name, decl.fields, response_schema.as_deref());
    let rate = decl
        .rate_per_second
        .and_then(NonZeroU32::new)
        .map(|per_second| Rate {
            per_second,
            burst: decl.burst.and_then(NonZeroU32::new).unwrap_or(per_second),
        });
    let mut source = decl.source.into_inner();
    source.resolve(ctx.dir, resolve_sqlite_url);
    check_source(ctx, at, &name, &source, request_schema.as_deref());
    if !ctx.ok {
        return None;
    }
    Some(Dataset {
        agency: agency.clone(),
        id: decl.id,
        title: decl.title,
        description: decl.description,
        request_schema: request_schema?,
        response_schema: response_schema?,
        on_invalid_response: decl.on_invalid_response,
        subject_field: decl.subject_field.map(toml::Spanned::into_inner),
        refresh_period: decl.refresh_period,
        freshness_pointer: decl.freshness_pointer.map(toml::Spanned::into_inner),
        probe,
        source,
        refusals,
        rate,
        require_case: decl.require_case,
        fields,
    })
}

/// The `[[datasets.fields]]` rules: each names at least one purpose, and each pointer names a
/// field of the response schema.
fn field_rules(
    ctx: &mut Ctx<'_, '_>,
    name: &str,
    decls: Vec<toml::Spanned<FieldsDecl>>,
    schema: Option<&Schema>,
) -> Vec<FieldRule> {
    let mut out = Vec::new();
    for (i, d) in decls.into_iter().enumerate() {
        let (at, d) = (d.span().start, d.into_inner());
        let n = i + 1;
        if d.purposes.iter().all(|p| p.trim().is_empty()) {
            ctx.err(
                at,
                format!(
                    "dataset {name}: fields rule #{n}: purposes must name at least one purpose"
                ),
            );
        }
        for p in &d.allow {
            let ok = schema.is_none_or(|s| s.declares(p.get_ref()));
            if !ok {
                let msg = format!("dataset {name}: fields rule #{n}: allow {:?} must be a JSON pointer (\"/full_name\") to a field of its response schema", p.get_ref());
                ctx.err(p.span().start, msg);
            }
        }
        out.push(FieldRule {
            id: format!("fields:{name}#{n}"),
            purposes: d.purposes.iter().map(|p| p.trim().to_owned()).collect(),
            allow: d.allow.into_iter().map(toml::Spanned::into_inner).collect(),
        });
    }
    out
}

/// The readiness probe's parameters: `probe = { … }` (which must pass the request schema), else
/// the request schema's `examples`.
fn probe_request(
    ctx: &mut Ctx<'_, '_>,
    name: &str,
    decl: Option<toml::Spanned<toml::Table>>,
    schema: Option<&Schema>,
) -> Option<serde_json::Value> {
    let schema = schema?;
    let Some(decl) = decl else {
        return schema.example().filter(|v| schema.is_valid(v));
    };
    let at = decl.span().start;
    let value = serde_json::to_value(decl.into_inner()).ok()?;
    if let Err(errors) = schema.check(&value) {
        let what: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e.pointer, e.detail))
            .collect();
        ctx.err(
            at,
            format!(
                "dataset {name}: probe does not match its request schema: {}",
                what.join("; ")
            ),
        );
        return None;
    }
    Some(value)
}

fn refusal_rule(
    dataset: &str,
    n: usize,
    r: RefusalDecl,
    catalog: &Catalog,
) -> Result<RefusalRule, String> {
    let legal_basis = Text::new(&r.legal_basis).map_err(|_| {
        format!("dataset {dataset}: refusal rule #{n}: legal_basis must not be empty")
    })?;
    let reason = Text::new(&r.reason)
        .map_err(|_| format!("dataset {dataset}: refusal rule #{n}: reason must not be empty"))?;
    for list in [&r.consumers, &r.except_consumers].into_iter().flatten() {
        if let Some(unknown) = list
            .iter()
            .find(|c| !catalog.consumers.contains_key(c.as_str()))
        {
            return Err(format!(
                "dataset {dataset}: refusal rule #{n} names consumer {unknown:?}, which is not in policies/consumers.toml"
            ));
        }
    }
    Ok(RefusalRule {
        consumers: r.consumers,
        except_consumers: r.except_consumers,
        purposes_not_in: r.purposes_not_in.map(|l| {
            l.into_iter()
                .map(|p| p.trim().to_ascii_lowercase())
                .collect()
        }),
        grounds: Grounds {
            legal_basis,
            reason,
        },
        decided_by: format!("policy:{dataset}#{n}"),
    })
}

/// Check a source as the runtime will build it (files readable, URL and query well-formed),
/// without building anything.
fn check_source(
    ctx: &mut Ctx<'_, '_>,
    at: usize,
    name: &str,
    spec: &SourceSpec,
    request_schema: Option<&Schema>,
) {
    match spec {
        SourceSpec::Http(h) => {
            let tls = h.tls();
            if tls != UpstreamTls::default() && !h.url.starts_with("https://") {
                ctx.err(at, format!("dataset {name}: ca_file, client_cert and client_key apply only to https:// source URLs"));
            } else if let Err(e) = tls.check() {
                ctx.err(at, format!("dataset {name}: source TLS: {e}"));
            } else if let Err(e) = http::check_url(&h.url) {
                ctx.err(at, format!("dataset {name}: {e}"));
            }
        }
        SourceSpec::Sql(s) => {
            let params = match SqlSource::check(s) {
                Ok(p) => p,
                Err(e) => return ctx.err(at, format!("dataset {name}: {e}")),
            };
            if let Some(p) = request_schema.and_then(|r| params.iter().find(|p| !r.has_property(p)))
            {
                return ctx.err(
                    at,
                    format!(
                    "dataset {name}: query parameter :{p} is not a property of the request schema"
                ),
                );
            }
            let Some(script) = &s.seed else { return };
            if crate::audit::sqlite_file(&s.url).is_none() {
                ctx.err(
                    at,
                    format!("dataset {name}: seed works only with a sqlite file URL"),
                );
            } else if !script.is_file() {
                let msg = format!("dataset {name}: seed script {} not found", script.display());
                ctx.err(at, msg);
            }
        }
    }
}
