//! Reading a config directory into [`Loaded`], collecting every problem on the way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::catalog::{Agency, Catalog, Dataset, Mandate, SecretEntry};
use super::files::{AgencyFile, ConsumersFile, DatasetDecl, RefusalDecl, SecretsFile};
use super::{Diagnostics, Settings};
use crate::identity::{Consumer, KeyedRateLimit, RateLimit};
use crate::ids::Ident;
use crate::policy::{Grounds, RefusalRule, Text};
use crate::source::{
    self, HttpSource, Source, SourceSpec, SqlSource, UpstreamClients, UpstreamTls,
};
use crate::validate::Schema;

/// A fully loaded configuration directory.
#[derive(Debug)]
pub struct Loaded {
    pub dir: PathBuf,
    pub settings: Settings,
    /// The audit store URL after defaults, env override and path resolution.
    pub store_url: String,
    pub catalog: Catalog,
}

/// Load `dir`. With `seed_sources`, demo SQLite sources with a `seed` script are created on
/// first use (serve does this; check does not write anything).
pub async fn load(dir: &Path, seed_sources: bool) -> Result<Loaded, Diagnostics> {
    let mut diags = Diagnostics::default();
    let (settings, store_url) = load_settings_into(dir, &mut diags);
    if settings.tls.cert.is_some() && settings.tls.key.is_some() {
        if let Err(e) = crate::server::tls::server_config(&settings.tls) {
            let path = dir.join("dxgate.toml");
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let at = super::security_settings::locate(&text, "tls", None);
            diags.at(&path, &text, at, e.to_string());
        }
    }

    let mut catalog = Catalog::default();
    load_schemas(&dir.join("schemas"), &mut catalog, &mut diags);

    let policies = dir.join("policies");
    if !policies.is_dir() {
        diags.file(&policies, "missing: the catalogue lives in policies/ (agencies/*.toml, consumers.toml, state-secrets.toml)");
    }
    load_consumers(&policies.join("consumers.toml"), &mut catalog, &mut diags);
    load_secrets(
        &policies.join("state-secrets.toml"),
        &mut catalog,
        &mut diags,
    );

    let clients = UpstreamClients::default();
    let agencies_dir = policies.join("agencies");
    for path in files_with_ext(&agencies_dir, "toml", &mut diags) {
        load_agency(dir, &path, &mut catalog, &clients, seed_sources, &mut diags).await;
    }
    if catalog.agencies.is_empty() && policies.is_dir() {
        diags.file(
            &agencies_dir,
            "no agencies declared: add policies/agencies/<agency>.toml",
        );
    }

    if diags.is_empty() {
        Ok(Loaded {
            dir: dir.to_path_buf(),
            settings,
            store_url,
            catalog,
        })
    } else {
        Err(diags)
    }
}

/// Read only `dxgate.toml` (plus env overrides): what `audit verify` needs.
pub fn load_settings(dir: &Path) -> Result<(Settings, String), Diagnostics> {
    let mut diags = Diagnostics::default();
    let out = load_settings_into(dir, &mut diags);
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

fn load_settings_into(dir: &Path, diags: &mut Diagnostics) -> (Settings, String) {
    let settings_path = dir.join("dxgate.toml");
    let mut settings: Settings = if settings_path.exists() {
        read_toml(&settings_path, diags).unwrap_or_default()
    } else {
        Settings::default()
    };
    if let Ok(listen) = std::env::var("DXGATE_LISTEN") {
        match listen.parse() {
            Ok(addr) => settings.server.listen = addr,
            Err(_) => diags.file(
                Path::new("$DXGATE_LISTEN"),
                format!("{listen:?} is not a socket address; write it like 127.0.0.1:8080"),
            ),
        }
    }
    if let Ok(node) = std::env::var("DXGATE_NODE_ID") {
        settings.server.node_id = node;
    }
    let text = std::fs::read_to_string(&settings_path).unwrap_or_default();
    super::security_settings::validate(&mut settings, dir, &settings_path, &text, diags);
    if !super::settings::valid_node_id(&settings.server.node_id) {
        diags.file(
            &settings_path,
            format!(
                "[server] node_id {:?} must be 1-64 letters, digits, '.', '_' or '-' (env DXGATE_NODE_ID overrides it)",
                settings.server.node_id
            ),
        );
    }
    let a = &mut settings.audit;
    if !crate::audit::note::valid_name(&a.origin) {
        diags.file(
            &settings_path,
            "[audit] origin must be non-empty, without spaces or '+'",
        );
    }
    if a.checkpoint_every == 0 || a.checkpoint_interval.is_zero() {
        diags.file(
            &settings_path,
            "[audit] checkpoint_every and checkpoint_interval must be greater than zero",
        );
    }
    for k in &a.trusted_keys {
        if let Err(e) = crate::audit::note::NoteVerifier::parse(k) {
            diags.file(&settings_path, format!("[audit] trusted_keys: {e}"));
        }
    }
    a.signing_key = dir.join(&a.signing_key);
    a.archive_dir = dir.join(&a.archive_dir);
    let store_url = std::env::var("DXGATE_STORE_URL")
        .ok()
        .or_else(|| settings.store.url.clone())
        .unwrap_or_else(|| "sqlite://data/audit.db".to_owned());
    let store_url = resolve_sqlite_url(dir, &store_url);

    (settings, store_url)
}

/// Read and parse a TOML file, reporting syntax and shape errors with their line.
fn read_toml<T: DeserializeOwned>(path: &Path, diags: &mut Diagnostics) -> Option<T> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.file(path, format!("cannot read: {e}"));
            return None;
        }
    };
    match toml::from_str::<T>(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.at(
                path,
                &text,
                e.span().map(|s| s.start),
                e.message().trim().to_owned(),
            );
            None
        }
    }
}

/// Every `*.ext` file directly in `dir`, sorted.
fn files_with_ext(dir: &Path, ext: &str, diags: &mut Diagnostics) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        diags.file(dir, "missing or unreadable directory");
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext) && p.is_file())
        .collect();
    out.sort();
    out
}

fn load_schemas(root: &Path, catalog: &mut Catalog, diags: &mut Diagnostics) {
    if !root.is_dir() {
        diags.file(root, "missing: JSON Schemas live in schemas/");
        return;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            diags.file(&dir, "unreadable directory");
            continue;
        };
        for entry in rd.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    diags.file(&path, format!("cannot read: {e}"));
                    continue;
                }
            };
            let doc: serde_json::Value = match serde_json::from_str(&text) {
                Ok(d) => d,
                Err(e) => {
                    diags.0.push(super::Diagnostic {
                        file: path.clone(),
                        line: Some(e.line()),
                        column: Some(e.column()),
                        message: format!("not valid JSON: {e}"),
                    });
                    continue;
                }
            };
            match Schema::compile(&rel, doc) {
                Ok(s) => {
                    catalog.schemas.insert(rel, Arc::new(s));
                }
                Err(e) => diags.file(&path, e.to_string()),
            }
        }
    }
}

fn load_consumers(path: &Path, catalog: &mut Catalog, diags: &mut Diagnostics) {
    if !path.exists() {
        diags.file(
            path,
            "missing: declare consumers and their API key hashes here",
        );
        return;
    }
    let Some(file) = read_toml::<ConsumersFile>(path, diags) else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for c in file.consumers {
        let at = c.span().start;
        let c = c.into_inner();
        if c.id.trim().is_empty() || c.id.len() > 128 || c.id.chars().any(|ch| ch.is_control()) {
            diags.at(
                path,
                &text,
                Some(at),
                "consumer id must be 1-128 printable characters",
            );
            continue;
        }
        let hex32 = |v: &str| {
            let mut out = [0u8; 32];
            hex::decode_to_slice(v.trim(), &mut out).ok().map(|()| out)
        };
        let key_hash = match c.api_key_sha256.as_deref().map(hex32) {
            Some(None) => {
                diags.at(path, &text, Some(at), format!(
                    "consumer {:?}: api_key_sha256 must be 64 hex digits (printf %s \"$KEY\" | sha256sum)", c.id
                ));
                continue;
            }
            Some(Some(h)) => Some(h),
            None => None,
        };
        let cert_hash = match c.cert_sha256.as_deref().map(|v| hex32(&v.replace(':', ""))) {
            Some(None) => {
                diags.at(path, &text, Some(at), format!(
                    "consumer {:?}: cert_sha256 must be the certificate's SHA-256 fingerprint, 64 hex digits (openssl x509 -noout -fingerprint -sha256)", c.id
                ));
                continue;
            }
            Some(Some(h)) => Some(h),
            None => None,
        };
        let subject = c.cert_subject.as_deref().map(str::trim);
        let jwt_subject = c.jwt_subject.as_deref().map(str::trim);
        if subject.is_some_and(|s| s.is_empty() || !s.contains('=')) {
            diags.at(path, &text, Some(at), format!(
                "consumer {:?}: cert_subject must be a DN such as \"C=VN,O=National Portal,CN=portal\"", c.id
            ));
            continue;
        }
        if jwt_subject.is_some_and(str::is_empty) {
            diags.at(
                path,
                &text,
                Some(at),
                format!("consumer {:?}: jwt_subject must not be empty", c.id),
            );
            continue;
        }
        if key_hash.is_none() && cert_hash.is_none() && subject.is_none() && jwt_subject.is_none() {
            diags.at(path, &text, Some(at), format!(
                "consumer {:?} has no credential: give api_key_sha256, cert_sha256, cert_subject or jwt_subject", c.id
            ));
            continue;
        }
        let rate = std::num::NonZeroU32::new(c.rate_per_second).map(|per_second| {
            let burst = c
                .burst
                .and_then(std::num::NonZeroU32::new)
                .unwrap_or(per_second.saturating_mul(std::num::NonZeroU32::MIN.saturating_add(1)));
            RateLimit::new(per_second, burst)
        });
        let consumer = Arc::new(Consumer {
            id: c.id.clone(),
            name: c.name,
            roles: c.roles,
            agency: c.agency,
            rate,
        });
        if catalog
            .consumers
            .insert(c.id.clone(), consumer.clone())
            .is_some()
        {
            diags.at(
                path,
                &text,
                Some(at),
                format!("consumer {:?} is declared twice", c.id),
            );
        }
        let keys = &mut catalog.keys;
        let mut taken = |ok: bool, what: &str| {
            if !ok {
                diags.at(
                    path,
                    &text,
                    Some(at),
                    format!("consumer {:?} reuses another consumer's {what}", c.id),
                );
            }
        };
        if let Some(h) = key_hash {
            taken(keys.insert(h, consumer.clone()), "API key");
        }
        if let Some(h) = cert_hash {
            taken(keys.insert_cert_sha256(h, consumer.clone()), "cert_sha256");
        }
        if let Some(s) = subject {
            taken(
                keys.insert_cert_subject(s, consumer.clone()),
                "cert_subject",
            );
        }
        if let Some(s) = jwt_subject {
            taken(keys.insert_jwt_subject(s, consumer), "jwt_subject");
        }
    }
}

fn load_secrets(path: &Path, catalog: &mut Catalog, diags: &mut Diagnostics) {
    if !path.exists() {
        return;
    }
    let Some(file) = read_toml::<SecretsFile>(path, diags) else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for e in file.entries {
        let at = e.span().start;
        let e = e.into_inner();
        let Some((agency, dataset)) = e
            .dataset
            .split_once('/')
            .filter(|(a, d)| Ident::is_valid(a) && Ident::is_valid(d))
        else {
            diags.at(
                path,
                &text,
                Some(at),
                format!("dataset {:?} must be written <agency>/<dataset>", e.dataset),
            );
            continue;
        };
        if e.listed_by.trim().is_empty() {
            diags.at(
                path,
                &text,
                Some(at),
                "listed_by must name the instrument that lists the dataset",
            );
        }
        catalog
            .secrets
            .entry(agency.to_owned())
            .or_default()
            .insert(
                dataset.to_owned(),
                SecretEntry {
                    agency: agency.to_owned(),
                    dataset: dataset.to_owned(),
                    listed_by: e.listed_by,
                },
            );
    }
}

async fn load_agency(
    dir: &Path,
    path: &Path,
    catalog: &mut Catalog,
    clients: &UpstreamClients,
    seed_sources: bool,
    diags: &mut Diagnostics,
) {
    let Some(file) = read_toml::<AgencyFile>(path, diags) else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let id_at = file.id.span().start;
    let id = file.id.into_inner();
    if catalog.agencies.contains_key(id.as_str()) {
        diags.at(
            path,
            &text,
            Some(id_at),
            format!("agency {id:?} is declared in another file too"),
        );
        return;
    }
    let mut datasets = BTreeMap::new();
    for decl in file.datasets {
        let at = decl.span().start;
        let decl = decl.into_inner();
        let ds_id = decl.id.clone();
        if datasets.contains_key(ds_id.as_str()) {
            diags.at(
                path,
                &text,
                Some(at),
                format!("dataset {ds_id:?} is declared twice"),
            );
            continue;
        }
        let mut ctx = Ctx {
            dir,
            path,
            text: &text,
            diags,
        };
        if let Some(ds) = build_dataset(&mut ctx, &id, decl, catalog, clients, seed_sources).await {
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

struct Ctx<'a> {
    dir: &'a Path,
    path: &'a Path,
    text: &'a str,
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    fn err(&mut self, at: usize, msg: impl Into<String>) {
        self.diags.at(self.path, self.text, Some(at), msg);
    }
}

async fn build_dataset(
    ctx: &mut Ctx<'_>,
    agency: &Ident,
    decl: DatasetDecl,
    catalog: &Catalog,
    clients: &UpstreamClients,
    seed_sources: bool,
) -> Option<Dataset> {
    let name = format!("{agency}/{}", decl.id);
    let mut ok = true;
    let mut schema = |ctx: &mut Ctx<'_>, s: &toml::Spanned<String>, which: &str| {
        let found = catalog.schemas.get(s.get_ref().as_str()).cloned();
        if found.is_none() {
            ok = false;
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
        if !req.has_property(field) {
            ok = false;
            ctx.err(at, format!("dataset {name}: subject_field {field:?} is not a property of its request schema"));
        }
    }
    let mandate = match decl.mandate {
        Some(m) => {
            if !valid_date(&m.deadline) {
                ok = false;
                ctx.err(
                    at,
                    format!(
                        "dataset {name}: mandate deadline {:?} must be YYYY-MM-DD",
                        m.deadline
                    ),
                );
            }
            if m.official.trim().is_empty() {
                ok = false;
                ctx.err(
                    at,
                    format!("dataset {name}: mandate must name the responsible official"),
                );
            }
            Some(Mandate {
                deadline: m.deadline,
                official: m.official,
            })
        }
        None => None,
    };
    let mut refusals = Vec::new();
    for (i, r) in decl.refusals.into_iter().enumerate() {
        let r_at = r.span().start;
        match refusal_rule(&name, i + 1, r.into_inner(), catalog) {
            Ok(rule) => refusals.push(rule),
            Err(msg) => {
                ok = false;
                ctx.err(r_at, msg);
            }
        }
    }
    let rate = decl
        .rate_per_second
        .and_then(std::num::NonZeroU32::new)
        .map(|per_second| {
            let burst = decl
                .burst
                .and_then(std::num::NonZeroU32::new)
                .unwrap_or(per_second);
            KeyedRateLimit::new(per_second, burst)
        });
    let spec = decl.source.into_inner();
    let source = build_source(
        ctx,
        at,
        &name,
        &spec,
        request_schema.as_deref(),
        clients,
        seed_sources,
    )
    .await;
    if !ok {
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
        subject_field: decl.subject_field,
        refresh_period: decl.refresh_period,
        mandate,
        source_spec: spec,
        source: source?,
        refusals,
        health: Default::default(),
        rate,
    })
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

async fn build_source(
    ctx: &mut Ctx<'_>,
    at: usize,
    name: &str,
    spec: &SourceSpec,
    request_schema: Option<&Schema>,
    clients: &UpstreamClients,
    seed_sources: bool,
) -> Option<Source> {
    match spec {
        SourceSpec::Http(h) => {
            let tls = UpstreamTls {
                ca_file: h.ca_file.as_ref().map(|p| ctx.dir.join(p)),
                client_cert: h.client_cert.as_ref().map(|p| ctx.dir.join(p)),
                client_key: h.client_key.as_ref().map(|p| ctx.dir.join(p)),
            };
            if tls != UpstreamTls::default() && !h.url.starts_with("https://") {
                ctx.err(at, format!("dataset {name}: ca_file, client_cert and client_key apply only to https:// source URLs"));
                return None;
            }
            let client = match clients.get(&tls) {
                Ok(c) => c,
                Err(e) => {
                    ctx.err(at, format!("dataset {name}: source TLS: {e}"));
                    return None;
                }
            };
            match HttpSource::new(h, client) {
                Ok(s) => Some(Source::Http(Box::new(s))),
                Err(e) => {
                    ctx.err(at, format!("dataset {name}: {e}"));
                    None
                }
            }
        }
        SourceSpec::Sql(s) => {
            let url = resolve_sqlite_url(ctx.dir, &s.url);
            match SqlSource::statement_for(&url, &s.query) {
                Ok((_, stmt)) => {
                    if let Some(req) = request_schema {
                        for p in &stmt.params {
                            if !req.has_property(p) {
                                ctx.err(at, format!(
                                    "dataset {name}: query parameter :{p} is not a property of the request schema"
                                ));
                                return None;
                            }
                        }
                    }
                }
                Err(e) => {
                    ctx.err(at, format!("dataset {name}: {e}"));
                    return None;
                }
            }
            if let Some(seed) = &s.seed {
                let script = ctx.dir.join(seed);
                match crate::audit::sqlite_file(&url) {
                    None => {
                        ctx.err(
                            at,
                            format!("dataset {name}: seed works only with a sqlite file URL"),
                        );
                        return None;
                    }
                    Some(db) => {
                        if !script.is_file() {
                            ctx.err(
                                at,
                                format!(
                                    "dataset {name}: seed script {} not found",
                                    script.display()
                                ),
                            );
                            return None;
                        }
                        if seed_sources {
                            if let Err(e) = source::seed_sqlite(Path::new(db), &script).await {
                                ctx.err(at, format!("dataset {name}: {e}"));
                                return None;
                            }
                        }
                    }
                }
            }
            match SqlSource::new(s, &url) {
                Ok(src) => Some(Source::Sql(Box::new(src))),
                Err(e) => {
                    ctx.err(at, format!("dataset {name}: {e}"));
                    None
                }
            }
        }
    }
}

/// `sqlite://relative/path` → `sqlite:///<dir>/relative/path`; other URLs unchanged.
pub fn resolve_sqlite_url(dir: &Path, url: &str) -> String {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return url.to_owned();
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() || path == ":memory:" || Path::new(path).is_absolute() {
        return url.to_owned();
    }
    let abs = dir.join(path);
    let abs = std::path::absolute(&abs).unwrap_or(abs);
    match query {
        Some(q) => format!("sqlite://{}?{q}", abs.display()),
        None => format!("sqlite://{}", abs.display()),
    }
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}
