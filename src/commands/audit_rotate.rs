//! `dxgate audit rotate-key`: replace the checkpoint signing key, keeping the old one.
//!
//! The old key file is renamed `<file>.retired-<ms>` (kept, mode unchanged), a new key with the
//! same name is created (mode 0600), both verifier keys are added to `[audit] trusted_keys` in
//! `dxgate.toml` (so checkpoints, archives and editions signed by the old key still verify), and
//! the writers' anchor files are re-signed with the new key. Restart every replica with the new
//! key file, and publish the new verifier key.

use std::path::Path;

use toml_edit::{Array, DocumentMut, Item, Table};

use super::CommandError;
use crate::audit::checkpoint::Checkpoint;
use crate::audit::note::{load_key, load_or_create_key};
use crate::audit::{anchor, now_ms};

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::Failed(e.to_string())
}

pub async fn audit_rotate_key(dir: &Path) -> Result<(), CommandError> {
    let (settings, _) = crate::config::load_settings(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let a = &settings.audit;
    let path = &a.signing_key;
    let old = load_key(path)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("no signing key at {} to rotate", path.display())))?;
    let retired = path.with_file_name(format!(
        "{}.retired-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("checkpoint.key"),
        now_ms()
    ));
    std::fs::rename(path, &retired).map_err(|e| failed(format!("{}: {e}", path.display())))?;
    let (new, _) = load_or_create_key(path, old.name()).map_err(failed)?;
    trust(
        &dir.join("dxgate.toml"),
        &[old.verifier_key(), new.verifier_key()],
    )?;
    let mut resigned = 0;
    for node in anchor::nodes(&a.anchor_dir).map_err(failed)? {
        let Ok(Some(note)) = anchor::read(&a.anchor_dir, &node) else {
            continue;
        };
        if let Ok(cp) = Checkpoint::open(&note, &old.verifier()) {
            anchor::write(&a.anchor_dir, &node, &cp.sign(&new)).map_err(failed)?;
            resigned += 1;
        }
    }
    println!("old key kept as {}", retired.display());
    println!("{resigned} anchor(s) re-signed; [audit] trusted_keys now holds the old and the new verifier key");
    println!("new verifier key (publish it; restart every replica with the new key file):");
    println!("{}", new.verifier_key());
    Ok(())
}

/// Add `keys` (if missing) to `[audit] trusted_keys` of the `dxgate.toml` at `file`, keeping
/// its comments and layout.
fn trust(file: &Path, keys: &[String]) -> Result<(), CommandError> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(failed(format!("{}: {e}", file.display()))),
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| failed(format!("{}: {e}", file.display())))?;
    let audit = doc
        .entry("audit")
        .or_insert(Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| failed("[audit] in dxgate.toml is not a table"))?;
    let list = audit
        .entry("trusted_keys")
        .or_insert(toml_edit::value(Array::new()))
        .as_array_mut()
        .ok_or_else(|| failed("[audit] trusted_keys is not an array"))?;
    for k in keys {
        if !list.iter().any(|v| v.as_str() == Some(k)) {
            list.push(k.as_str());
        }
    }
    std::fs::write(file, doc.to_string()).map_err(|e| failed(format!("{}: {e}", file.display())))
}
