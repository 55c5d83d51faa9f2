//! Reading a config directory into [`Loaded`], collecting every problem on the way.
//!
//! One file per kind of file: [`settings`] (`dxgate.toml`, every section checked in one place),
//! [`schemas`] (`schemas/**/*.json`), [`consumers`] (`policies/consumers.toml`), [`secrets`]
//! (`policies/state-secrets.toml`), [`register`] (`policies/mandates.toml`, the mandate register)
//! and [`agencies`] (`policies/agencies/*.toml`). Each file is
//! read once; positions come from `toml::Spanned`. Loading only reads: it never creates a file
//! (demo source databases are seeded by `serve`, see `crate::source::seed_sources`).
//!
//! A catalogue file under [`OVERLAY`] (`overlay/policies/…`, `overlay/schemas/…`: changes
//! approved through the admin API) is read instead of the file of the same path below the
//! config directory, or in addition to it when there is none; [`load_with`] also lays
//! proposed texts over both, to check a proposal exactly as the next load would read it.

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

/// The directory, below the config directory, of catalogue files changed through the admin
/// API; it mirrors `policies/` and `schemas/` and wins over them.
pub const OVERLAY: &str = "overlay";

/// Load `dir` (`dxgate.toml`, `schemas/`, `policies/`, [`OVERLAY`]), with `overrides`
/// replacing settings.
pub fn load(dir: &Path, overrides: &Overrides) -> Result<Loaded, Diagnostics> {
    load_with(dir, overrides, BTreeMap::new())
}

/// [`load`] with `proposed` texts (path relative to `dir`, `/`-separated → text) read instead
/// of the files of those paths, wherever they are.
pub fn load_with(
    dir: &Path,
    overrides: &Overrides,
    proposed: BTreeMap<String, String>,
) -> Result<Loaded, Diagnostics> {
    let mut diags = Diagnostics::default();
    let (settings, store_url) = settings::load(dir, overrides, &mut diags);
    let mut texts = Texts::new(dir, proposed);
    let catalog = load_catalog(dir, &mut texts, &mut diags);
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
fn load_catalog(dir: &Path, texts: &mut Texts, diags: &mut Diagnostics) -> Catalog {
    let mut catalog = Catalog {
        schemas: schemas::load(&dir.join("schemas"), texts, diags),
        ..Catalog::default()
    };
    let policies = dir.join("policies");
    if !policies.is_dir() {
        diags.file(&policies, "missing: the catalogue lives in policies/ (agencies/*.toml, consumers.toml, state-secrets.toml)");
    }
    consumers::load(&policies.join("consumers.toml"), &mut catalog, texts, diags);
    secrets::load(
        &policies.join("state-secrets.toml"),
        &mut catalog,
        texts,
        diags,
    );
    catalog.register = register::load(&policies.join("mandates.toml"), texts, diags);
    let agencies_dir = policies.join("agencies");
    let mut paths = files_with_ext(&agencies_dir, "toml", diags);
    paths.extend(texts.extra("policies/agencies", "toml", false));
    paths.sort();
    paths.dedup();
    for path in paths {
        agencies::load(dir, &path, &mut catalog, texts, diags);
    }
    catalog.version = Arc::new(CatalogVersion::of(std::mem::take(&mut texts.files)));
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
/// A path's text comes from the proposed texts, else the [`OVERLAY`], else the file itself.
pub(super) struct Texts {
    root: PathBuf,
    proposed: BTreeMap<String, String>,
    files: BTreeMap<String, String>,
}

impl Texts {
    fn new(root: &Path, proposed: BTreeMap<String, String>) -> Texts {
        Texts {
            root: root.to_path_buf(),
            proposed,
            files: BTreeMap::new(),
        }
    }

    fn rel(&self, path: &Path) -> String {
        rel_path(&self.root, path)
    }

    /// Read `path` once, keeping its text; an unreadable file is reported and gives `None`.
    pub fn read(&mut self, path: &Path, diags: &mut Diagnostics) -> Option<String> {
        let rel = self.rel(path);
        let over = self.root.join(OVERLAY).join(&rel);
        let text = match self.proposed.get(&rel) {
            Some(t) => Ok(t.clone()),
            None if over.is_file() => std::fs::read_to_string(&over),
            None => std::fs::read_to_string(path),
        };
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                diags.file(path, format!("cannot read: {e}"));
                return None;
            }
        };
        self.files.insert(rel, text.clone());
        Some(text)
    }

    /// The `*.ext` files directly in (or, `deep`, anywhere below) `under` that only the
    /// overlay or the proposed texts hold, as paths below the config directory.
    pub fn extra(&self, under: &str, ext: &str, deep: bool) -> Vec<PathBuf> {
        let mut rels: Vec<String> = self.proposed.keys().cloned().collect();
        let overlay = self.root.join(OVERLAY);
        let mut stack = vec![overlay.join(under)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                match p.is_dir() {
                    true if deep => stack.push(p),
                    true => {}
                    false => rels.push(rel_path(&overlay, &p)),
                }
            }
        }
        let prefix = format!("{under}/");
        (rels.into_iter())
            .filter(|r| r.ends_with(&format!(".{ext}")))
            .filter(|r| {
                r.strip_prefix(&prefix)
                    .is_some_and(|rest| deep || !rest.contains('/'))
            })
            .map(|r| self.root.join(r))
            .filter(|p| !p.is_file())
            .collect()
    }
}

/// `path` relative to `root`, `/`-separated.
fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path).components();
    let rel: Vec<_> = rel.map(|c| c.as_os_str().to_string_lossy()).collect();
    rel.join("/")
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
