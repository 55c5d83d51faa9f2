//! Unit tests of every configuration diagnostic: each starts from a small valid directory,
//! breaks one thing, and expects exactly one problem, with its file, line and message.

mod agencies;
mod policies;
mod settings;

use std::path::Path;

use super::{load, Overrides};

const REQUEST: &str =
    r#"{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}"#;
const RESPONSE: &str = r#"{"type":"object"}"#;
/// A consumer's API key hash (any 64 hex digits).
const PORTAL_SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// `policies/agencies/alpha.toml` of the valid directory: one HTTP dataset, `d`, whose
/// `[datasets.source]` table is on line 9.
pub(super) const ALPHA: &str = "id = \"alpha\"
name = \"Ministry of Alpha\"
kind = \"ministry\"
[[datasets]]
id = \"d\"
title = \"D\"
request_schema = \"req.json\"
response_schema = \"resp.json\"
[datasets.source]
kind = \"http\"
url = \"http://127.0.0.1:9/x\"
";

/// A valid configuration directory, with `files` (path, text) written over it.
pub(super) fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let consumers = format!(
        "[[consumers]]\nid = \"portal\"\nname = \"Portal\"\napi_key_sha256 = \"{PORTAL_SHA}\"\n"
    );
    let base = [
        ("dxgate.toml", "[server]\nnode_id = \"n1\"\n"),
        ("schemas/req.json", REQUEST),
        ("schemas/resp.json", RESPONSE),
        ("policies/consumers.toml", consumers.as_str()),
        (
            "policies/state-secrets.toml",
            "[[entries]]\ndataset = \"alpha/hidden\"\nlisted_by = \"Decision 1\"\n",
        ),
        ("policies/agencies/alpha.toml", ALPHA),
        // A second agency, so a broken alpha.toml never also leaves "no agencies declared".
        (
            "policies/agencies/omega.toml",
            "id = \"omega\"\nname = \"Omega Province\"\nkind = \"province\"\n",
        ),
    ];
    for (path, text) in base.iter().chain(files) {
        write(dir.path(), path, text);
    }
    dir
}

pub(super) fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Load `dir` and expect exactly one problem: in `file` (relative), at `line` (`None`: the
/// whole file), saying `says`.
#[track_caller]
pub(super) fn expect_one(dir: &Path, file: &str, line: Option<usize>, says: &str) {
    expect_with(dir, &Overrides::default(), file, line, says);
}

#[track_caller]
pub(super) fn expect_with(
    dir: &Path,
    overrides: &Overrides,
    file: &str,
    line: Option<usize>,
    says: &str,
) {
    let diags = match load(dir, overrides) {
        Ok(_) => panic!("expected a problem saying {says:?}, the directory loaded"),
        Err(d) => d,
    };
    assert_eq!(diags.len(), 1, "exactly one problem expected:\n{diags}");
    let d = &diags.0[0];
    let shown = d.to_string();
    let want_file = if file.starts_with('$') {
        Path::new(file).to_path_buf()
    } else {
        dir.join(file)
    };
    assert_eq!(d.file, want_file, "{shown}");
    assert_eq!(d.line, line, "{shown}");
    let prefix = match line {
        Some(l) => format!("{}:{l}:", want_file.display()),
        None => format!("{}: ", want_file.display()),
    };
    assert!(
        shown.starts_with(&prefix),
        "{shown:?} should start {prefix:?}"
    );
    assert!(shown.contains(says), "{shown:?} should say {says:?}");
}

#[test]
fn the_base_directory_is_valid_and_loading_writes_nothing() {
    let dir = dir_with(&[]);
    let before = std::fs::read_dir(dir.path()).unwrap().count();
    let loaded = load(dir.path(), &Overrides::default()).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(loaded.catalog.dataset_count(), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), before);
}

#[test]
fn overrides_replace_settings_without_the_environment() {
    let dir = dir_with(&[]);
    let overrides = Overrides {
        listen: Some("127.0.0.1:0".into()),
        store_url: Some("postgres://u:p@h/db".into()),
        node_id: Some("pod-7".into()),
        redis_url: Some("redis://10.0.0.5:6379/2".into()),
    };
    let loaded = load(dir.path(), &overrides).unwrap();
    assert_eq!(loaded.settings.server.listen.port(), 0);
    assert_eq!(loaded.settings.server.node_id, "pod-7");
    let redis = loaded.settings.limits.redis_url.as_deref();
    assert_eq!(redis, Some("redis://10.0.0.5:6379/2"));
    assert_eq!(loaded.store_url, "postgres://u:p@h/db");
}
