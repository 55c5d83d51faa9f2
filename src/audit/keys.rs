//! Key files handled as keys: where they live (`keys/` under the config dir by default, never in
//! the store and not in the data directory) and who may read them. At start the gateway refuses
//! a key file that others can read or that anyone but its owner can write (`chmod 600`, or 0440
//! when a group such as a Kubernetes `fsGroup` must read it). Every key file is created the
//! same way ([`read_or_create`]).

use std::io::Write;
use std::path::{Path, PathBuf};

/// The permission bits a key file must not have: group write, and anything for others.
#[cfg(unix)]
const FORBIDDEN_MODE: u32 = 0o027;

/// Why a key file's permissions are refused, if they are (a missing file is fine: it is
/// created 0600 on first start).
pub fn check_private(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & FORBIDDEN_MODE != 0 {
            return Err(format!(
                "key file {} has mode {mode:04o}: others may read or write it; run `chmod 600 {}` \
                 (0440 if a group must read it)",
                path.display(),
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Keys used to default to `data/`: when `configured` is the new default (`dir/new`) and does
/// not exist but `dir/old` does, keep using the old file (it is the same key).
pub fn legacy_default(dir: &Path, configured: &mut PathBuf, new: &str, old: &str) {
    if *configured == dir.join(new) && !configured.exists() && dir.join(old).exists() {
        *configured = dir.join(old);
    }
}

/// The text of the key file at `path`, and whether this call created it. When there is no
/// file, `fresh()` is written to a private (0600) temporary file, synced, then linked into place
/// (parent folders created): replicas starting together see no key or a complete one, and only
/// the first link wins — the others read the winner's key. Errors of `fresh` pass through;
/// I/O errors become `E` through `io`.
pub fn read_or_create<E>(
    path: &Path,
    fresh: impl FnOnce() -> Result<String, E>,
    io: impl Fn(std::io::Error) -> E,
) -> Result<(String, bool), E> {
    match std::fs::read_to_string(path) {
        Ok(text) => return Ok((text, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let text = fresh()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(&io)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok((text, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok((std::fs::read_to_string(path).map_err(&io)?, false))
        }
        Err(e) => Err(io(e)),
    }
}

/// Test check: the file at `path` is readable and writable by its owner only (0600).
#[cfg(test)]
pub(crate) fn assert_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn refuses_keys_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        assert!(check_private(&key).is_ok(), "missing is fine");
        std::fs::write(&key, "x").unwrap();
        for (mode, ok) in [
            (0o600, true),
            (0o440, true),
            (0o400, true),
            (0o644, false),
            (0o660, false),
        ] {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(check_private(&key).is_ok(), ok, "{mode:o}");
        }
        let err = check_private(&key).unwrap_err();
        assert!(err.contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_key_file_is_created_once_and_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/k");
        let io = |e: std::io::Error| e.to_string();
        let made = read_or_create(&path, || Ok("first\n".to_owned()), io).unwrap();
        assert_eq!(made, ("first\n".to_owned(), true));
        let again = read_or_create(&path, || Err("not called".to_owned()), io).unwrap();
        assert_eq!(again, ("first\n".to_owned(), false));
        assert_private(&path);
        // Nothing left behind but the key; a failing `fresh` creates nothing.
        assert_eq!(
            std::fs::read_dir(dir.path().join("keys")).unwrap().count(),
            1
        );
        let other = dir.path().join("keys/other");
        let failed = read_or_create(&other, || Err("no randomness".to_owned()), io);
        assert_eq!(failed, Err("no randomness".to_owned()));
        assert!(!other.exists());
    }

    #[test]
    fn an_old_key_in_data_is_still_used() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut p = d.join("keys/checkpoint.key");
        legacy_default(d, &mut p, "keys/checkpoint.key", "data/checkpoint.key");
        assert_eq!(p, d.join("keys/checkpoint.key"));
        std::fs::create_dir_all(d.join("data")).unwrap();
        std::fs::write(d.join("data/checkpoint.key"), "k").unwrap();
        legacy_default(d, &mut p, "keys/checkpoint.key", "data/checkpoint.key");
        assert_eq!(p, d.join("data/checkpoint.key"));
        let mut explicit = d.join("elsewhere.key");
        legacy_default(
            d,
            &mut explicit,
            "keys/checkpoint.key",
            "data/checkpoint.key",
        );
        assert_eq!(explicit, d.join("elsewhere.key"));
    }
}
