//! Command-line tools some tests drive (shells, kubectl, `script` for a terminal): found on
//! `PATH`, or, when missing, a loud skip outside CI and a failure under `CI=true` (`.ci/run`
//! installs them).

use std::path::PathBuf;

/// The path of `tool`, or `None` (skip) when it is not installed outside CI.
pub fn require(tool: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    });
    if found.is_some() {
        return found;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{tool} is required under CI=true ({install})");
    }
    eprintln!("\n!!!! SKIPPING: {tool} not found ({install}); under CI=true this fails\n");
    None
}
