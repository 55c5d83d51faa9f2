//! The writer's anchor: a copy of the latest checkpoint it signed, kept outside the store.
//!
//! Someone who can write to the store but holds no signing key can cut a chain's tail, delete
//! the checkpoints above the cut and rewind `audit_chains`: the store is then consistent with
//! itself. The anchor file (`<anchor_dir>/<node id>.checkpoint`, the signed note) is what the
//! writer compares the stored chain with at start and after every failed commit; see
//! `writer/anchor.rs`. An operator who has investigated a mismatch moves the old anchor aside
//! with `dxgate audit reanchor` ([`supersede`]); the old file is kept as evidence.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The anchor file of `node_id`'s chain.
pub fn path(dir: &Path, node_id: &str) -> PathBuf {
    dir.join(format!("{node_id}.checkpoint"))
}

/// The anchored note, if there is one.
pub fn read(dir: &Path, node_id: &str) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path(dir, node_id)) {
        Ok(note) => Ok(Some(note)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replace the anchor with `note`: written to a temporary file, synced, then renamed, so a
/// crash leaves the old anchor or the new one, never half of one.
pub fn write(dir: &Path, node_id: &str, note: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let target = path(dir, node_id);
    let tmp = dir.join(format!(".{node_id}.checkpoint.tmp"));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts.open(&tmp)?;
    file.write_all(note.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &target)
}

/// Move the anchor aside to `<node id>.checkpoint.superseded-<ms>` (kept as evidence); returns
/// where it went, or `None` if there was no anchor.
pub fn supersede(dir: &Path, node_id: &str, now_ms: i64) -> std::io::Result<Option<PathBuf>> {
    let from = path(dir, node_id);
    if !from.exists() {
        return Ok(None);
    }
    let to = dir.join(format!("{node_id}.checkpoint.superseded-{now_ms}"));
    std::fs::rename(&from, &to)?;
    Ok(Some(to))
}

/// The node ids that have an anchor in `dir` (chains this gateway's replicas have signed).
pub fn nodes(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for e in entries {
        let name = e?.file_name();
        if let Some(node) = name.to_str().and_then(|n| n.strip_suffix(".checkpoint")) {
            if !node.starts_with('.') {
                out.push(node.to_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_reads_lists_and_supersedes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("anchors");
        assert_eq!(read(&d, "n1").unwrap(), None);
        assert!(nodes(&d).unwrap().is_empty());
        write(&d, "n1", "note one").unwrap();
        write(&d, "n1", "note two").unwrap();
        assert_eq!(read(&d, "n1").unwrap().as_deref(), Some("note two"));
        assert_eq!(nodes(&d).unwrap(), vec!["n1".to_owned()]);
        let moved = supersede(&d, "n1", 7).unwrap().unwrap();
        assert!(moved.ends_with("n1.checkpoint.superseded-7"));
        assert_eq!(read(&d, "n1").unwrap(), None);
        assert!(nodes(&d).unwrap().is_empty());
        assert_eq!(supersede(&d, "n1", 8).unwrap(), None);
    }
}
