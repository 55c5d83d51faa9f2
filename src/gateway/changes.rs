//! Catalogue changes proposed through the admin API, checked and put in force the way a reload
//! is. The proposed texts are laid over the files the next load reads (`config::load_with`) and
//! the whole catalogue is checked by the same loader, so a proposal gets the same file:line
//! diagnostics as `dxgate check`. An accepted change is written into the overlay
//! (`config::OVERLAY` below the config directory, which every later load reads, so a restart
//! keeps it) and then reloaded: one witnessed `catalog_change` record that names the proposal.
//! Changes run one at a time, under the reload lock ([`Gateway::changing`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::reload::{reload_locked, ReloadOutcome};
use super::versions::Why;
use super::Gateway;
use crate::config::{self, outline, summary, Diagnostic, OVERLAY};
use crate::oversight::changes::FileChange;

/// A proposal checked against the catalogue files as they are now.
#[derive(Debug)]
pub struct Checked {
    /// What it changes (`config::summary` from the files now to the files with it).
    pub summary: Value,
    /// The outlines before and after (`config::outline`).
    pub before: Value,
    pub after: Value,
    /// Each proposed file with the SHA-256 of the text it replaces.
    pub files: Vec<FileChange>,
}

/// Why a change cannot be checked or put in force.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The catalogue with the proposed texts does not load: the loader's diagnostics, paths
    /// relative to the config directory.
    #[error("the catalogue with these files does not load ({} problems)", .0.len())]
    Invalid(Vec<Diagnostic>),
    /// The files as they are now do not load (the operator's side is broken).
    #[error("the catalogue files as they are now do not load: {0}")]
    Unloadable(String),
    /// A proposed file changed since the proposal.
    #[error("{0} changed since this proposal was made; propose it again")]
    Stale(String),
    #[error("writing the overlay: {0}")]
    Write(#[from] std::io::Error),
}

impl Gateway {
    /// Hold this while checking, recording and putting a change in force: no reload or other
    /// change runs meanwhile.
    pub async fn changing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.reloading.lock().await
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The text of catalogue file `rel` the next load reads: the overlay's, else the file's.
fn current_text(dir: &Path, rel: &str) -> Option<String> {
    let over = dir.join(OVERLAY).join(rel);
    std::fs::read_to_string(over)
        .or_else(|_| std::fs::read_to_string(dir.join(rel)))
        .ok()
}

/// Load the catalogue as it is and with `proposed` laid over it; compare the two.
pub async fn check(
    gw: &Gateway,
    proposed: BTreeMap<String, String>,
) -> Result<Checked, ChangeError> {
    let (dir, overrides) = (gw.dir.clone(), gw.overrides.clone());
    let run = move || {
        let relative = |mut d: Diagnostic| {
            d.file = d
                .file
                .strip_prefix(&dir)
                .map(Path::to_path_buf)
                .unwrap_or(d.file);
            d
        };
        let before = config::load(&dir, &overrides).map_err(|d| {
            ChangeError::Unloadable(
                d.0.into_iter()
                    .map(relative)
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let files = (proposed.iter())
            .map(|(path, text)| FileChange {
                path: path.clone(),
                text: text.clone(),
                base_sha256: current_text(&dir, path).as_deref().map(sha256_hex),
            })
            .collect();
        let after = config::load_with(&dir, &overrides, proposed)
            .map_err(|d| ChangeError::Invalid(d.0.into_iter().map(relative).collect()))?;
        let (before, after) = (outline(&before.catalog), outline(&after.catalog));
        Ok(Checked {
            summary: summary(Some(&before), &after),
            before,
            after,
            files,
        })
    };
    tokio::task::spawn_blocking(run)
        .await
        .map_err(|e| ChangeError::Unloadable(e.to_string()))?
}

/// Whether every file of a proposal still has the text it was proposed against.
pub fn unchanged_since(gw: &Gateway, files: &[FileChange]) -> Result<(), ChangeError> {
    for f in files {
        if current_text(&gw.dir, &f.path).as_deref().map(sha256_hex) != f.base_sha256 {
            return Err(ChangeError::Stale(f.path.clone()));
        }
    }
    Ok(())
}

/// Write `files` into the overlay (a text equal to the operator's own file removes the
/// overlay's copy instead) and put the catalogue in force, witnessed as `proposal`'s change.
/// The caller holds [`Gateway::changing`].
pub async fn put_in_force(
    gw: &Gateway,
    files: &[FileChange],
    proposal: uuid::Uuid,
) -> Result<ReloadOutcome, ChangeError> {
    for f in files {
        let over = gw.dir.join(OVERLAY).join(&f.path);
        let own = std::fs::read_to_string(gw.dir.join(&f.path)).ok();
        if own.as_deref() == Some(f.text.as_str()) {
            match std::fs::remove_file(&over) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => continue,
            }
        }
        if let Some(parent) = over.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Write, then rename: a load never reads half a file.
        let tmp = over.with_extension("proposed.tmp");
        std::fs::write(&tmp, &f.text)?;
        std::fs::rename(&tmp, &over)?;
    }
    Ok(reload_locked(gw, Why::Change(proposal)).await)
}
