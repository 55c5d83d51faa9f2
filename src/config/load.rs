//! Reading a config directory into [`Loaded`], collecting every problem on the way.
//!
//! One file per kind of file: [`settings`] (`dxgate.toml`, every section checked in one place),
//! [`schemas`] (`schemas/**/*.json`), [`consumers`] (`policies/consumers.toml`), [`secrets`]
//! (`policies/state-secrets.toml`), [`register`] (`policies/mandates.toml`, the mandate register)
//! and [`agencies`] (`policies/agencies/*.toml`). Each file is
//! read once; positions come from `toml::Spanned`. Loading only reads: it never creates a file
//! (demo source databases are seeded by `serve`, see `crate::source::seed_sources`).

mod agencies;
mod consumers;
mod register;
mod schemas;
mod secrets;
mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::{Catalog, CatalogVersion, Diagnostics, Overrides, Settings};

pub use settings::{https_or_loopback, valid_node_id};

/// A fully loaded configuration directory.
#[derive(Debug)]
pub struct Loaded {
    pub dir: PathBuf,
    pub settings: Settings,
    /// The audit store URL after defaults, override and path resolution.
    pub store_url: String,
    pub catalog: Catalog,
}

/// Load `dir` (`dxgate.toml`, `schemas/`, `policies/`), with `overrides` replacing settings.
pub fn load(dir: &Path, overrides: &Overrides) -> Result<Loaded, Diagnostics> {
    let mut diags = Diagnostics::default();
    let (settings, store_url) = settings::load(dir, overrides, &mut diags);
    let catalog = load_catalog(dir, &mut diags);
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

/// Read only `dxgate.toml` (plus overrides): what the `audit` tools need.
pub fn load_settings(dir: &Path, overrides: &Overrides) -> Result<(Settings, String), Diagnostics> {
    let mut diags = Diagnostics::default();
    let out = settings::load(dir, overrides, &mut diags);
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// `schemas/` and `policies/`: consumers and the state-secret list first, since dataset rules
/// name consumers and the list decides which datasets are routable. The catalogue's version is
/// made of the texts the loaders read, so it describes exactly the bytes that were parsed.
fn load_catalog(dir: &Path, diags: &mut Diagnostics) -> Catalog {
    let mut texts = Texts::new(dir);
    let mut catalog = Catalog {
        schemas: schemas::load(&dir.join("schemas"), &mut texts, diags),
        ..Catalog::default()
    };
    let policies = dir.join("policies");
    if !policies.is_dir() {
        diags.file(&policies, "missing: the catalogue lives in policies/ (agencies/*.toml, consumers.toml, state-secrets.toml)");
    }
    consumers::load(
        &policies.join("consumers.toml"),
        &mut catalog,
        &mut texts,
        diags,
    );
    secrets::load(
        &policies.join("state-secrets.toml"),
        &mut catalog,
        &mut texts,
        diags,
    );
    catalog.register = register::load(&policies.join("mandates.toml"), &mut texts, diags);
    let agencies_dir = policies.join("agencies");
    for path in files_with_ext(&agencies_dir, "toml", diags) {
        agencies::load(dir, &path, &mut catalog, &mut texts, diags);
    }
    catalog.version = Arc::new(CatalogVersion::of(texts.files));
    if !catalog.register.declared {
        catalog.register.units = catalog.agencies.values().map(register::unit_of).collect();
    }
    if catalog.agencies.is_empty() && policies.is_dir() {
        diags.file(
            &agencies_dir,
            "no agencies declared: add policies/agencies/<agency>.toml",
        );
    }
    catalog
}

/// One file's text, kept to turn byte offsets (`toml::Spanned`) into line and column.
pub(super) struct FileText<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl FileText<'_> {
    /// A problem at byte offset `at` of this file.
    pub fn err(&self, diags: &mut Diagnostics, at: usize, message: impl Into<String>) {
        diags.at(self.path, self.text, Some(at), message);
    }
}

/// The exact text of every catalogue file read, keyed by its path relative to the config
/// directory (`policies/…`, `schemas/…`, `/`-separated): what [`CatalogVersion`] is made of.
pub(super) struct Texts {
    root: PathBuf,
    files: BTreeMap<String, String>,
}

impl Texts {
    fn new(root: &Path) -> Texts {
        Texts {
            root: root.to_path_buf(),
            files: BTreeMap::new(),
        }
    }

    /// Read `path` once, keeping its text; an unreadable file is reported and gives `None`.
    pub fn read(&mut self, path: &Path, diags: &mut Diagnostics) -> Option<String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                diags.file(path, format!("cannot read: {e}"));
                return None;
            }
        };
        let rel = path.strip_prefix(&self.root).unwrap_or(path).components();
        let rel: Vec<_> = rel.map(|c| c.as_os_str().to_string_lossy()).collect();
        self.files.insert(rel.join("/"), text.clone());
        Some(text)
    }
}

/// Read `path` once (kept in `texts`) and parse it, reporting syntax and shape errors with
/// their position. Returns the text (for later positions) with the value.
fn read_toml<T: DeserializeOwned>(
    path: &Path,
    texts: &mut Texts,
    diags: &mut Diagnostics,
) -> Option<(String, T)> {
    let text = texts.read(path, diags)?;
    match toml::from_str::<T>(&text) {
        Ok(v) => Some((text, v)),
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
