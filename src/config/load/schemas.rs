//! `schemas/**/*.json` (and those only the overlay or a proposal holds): every JSON Schema
//! compiled once, keyed by its path under `schemas/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::Texts;
use crate::config::{Diagnostic, Diagnostics};
use crate::validate::Schema;

/// Compile every `*.json` under `root`; problems name the file (and line, for bad JSON).
pub(super) fn load(
    root: &Path,
    texts: &mut Texts,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Arc<Schema>> {
    let mut schemas = BTreeMap::new();
    if !root.is_dir() {
        diags.file(root, "missing: JSON Schemas live in schemas/");
        return schemas;
    }
    let mut paths = Vec::new();
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
            } else if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
    }
    paths.extend(texts.extra("schemas", "json", true));
    for path in paths {
        let rel = super::rel_path(root, &path);
        let Some(text) = texts.read(&path, diags) else {
            continue;
        };
        let doc: serde_json::Value = match serde_json::from_str(&text) {
            Ok(d) => d,
            Err(e) => {
                diags.0.push(Diagnostic {
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
                schemas.insert(rel, Arc::new(s));
            }
            Err(e) => diags.file(&path, e.to_string()),
        }
    }
    schemas
}
