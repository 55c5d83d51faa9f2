//! Key files handled as keys: where they live (`keys/` under the config dir by default, never in
//! the store and not in the data directory) and who may read them. At start the gateway refuses
//! a key file that others can read or that anyone but its owner can write (`chmod 600`, or 0440
//! when a group such as a Kubernetes `fsGroup` must read it).

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
