//! Catalogue versions: the exact text of every catalogue file the loader read (the `*.json`
//! under `schemas/`, `policies/consumers.toml`, `state-secrets.toml`, `mandates.toml` and
//! `agencies/*.toml`; other files there are not part of the catalogue and not of its version),
//! its digest, an outline of what decides requests (datasets, refusal rules, the state-secret list,
//! mandates) and the structured summary of what changed between two outlines.
//!
//! The digest is `SHA-256("dxgate-catalog-v1" ‖ for each file, sorted by path: len ‖ path ‖
//! len ‖ text)`, lengths as 8-byte big-endian, so anyone holding the retained texts can
//! recompute it. The audit log witnesses each version (`catalog_change`) and every data record
//! carries the digest of the version it was decided under.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::Catalog;
use crate::audit::Digest;

const DOMAIN: &[u8] = b"dxgate-catalog-v1";

/// One catalogue version: its digest and the exact text of each file it was loaded from (made
/// by `config::load` from the texts it parsed, so each file is read once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogVersion {
    /// SHA-256 of the files (see the module docs).
    pub digest: Digest,
    /// Path relative to the config directory (`policies/…`, `schemas/…`, `/`-separated) →
    /// the file's exact text.
    pub files: BTreeMap<String, String>,
}

impl CatalogVersion {
    /// The version made of `files` (path → text).
    pub fn of(files: BTreeMap<String, String>) -> CatalogVersion {
        CatalogVersion {
            digest: digest(&files),
            files,
        }
    }
}

/// The version of no files at all (an empty catalogue): its digest is computed like any
/// other, never a zero placeholder.
impl Default for CatalogVersion {
    fn default() -> CatalogVersion {
        CatalogVersion::of(BTreeMap::new())
    }
}

/// The digest of `files` (see the module docs).
pub fn digest(files: &BTreeMap<String, String>) -> Digest {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    for (path, text) in files {
        h.update((path.len() as u64).to_be_bytes());
        h.update(path.as_bytes());
        h.update((text.len() as u64).to_be_bytes());
        h.update(text.as_bytes());
    }
    Digest::from_bytes(h.finalize().into())
}

/// What decides requests in `catalog`, as JSON: `datasets` (routable `agency/dataset`),
/// `refusals` (`agency/dataset` → its rules in order), `secrets` (listed `agency/dataset` →
/// the instrument) and `mandates` (`agency/dataset` → the mandate). Kept with each version so
/// the next one can be compared with it.
pub fn outline(catalog: &Catalog) -> Value {
    let mut datasets = Vec::new();
    let mut refusals = Map::new();
    for d in catalog.datasets() {
        let key = format!("{}/{}", d.agency, d.id);
        datasets.push(Value::String(key.clone()));
        let rules: Vec<Value> = (d.refusals.iter())
            .map(|r| {
                json!({
                    "decided_by": r.decided_by,
                    "consumers": r.consumers,
                    "except_consumers": r.except_consumers,
                    "purposes_not_in": r.purposes_not_in,
                    "legal_basis": r.grounds.legal_basis.as_str(),
                    "reason": r.grounds.reason.as_str(),
                })
            })
            .collect();
        if !rules.is_empty() {
            refusals.insert(key, Value::Array(rules));
        }
    }
    let mut secrets = Map::new();
    for (agency, list) in &catalog.secrets {
        for (dataset, e) in list {
            secrets.insert(format!("{agency}/{dataset}"), json!(e.listed_by));
        }
    }
    json!({
        "datasets": datasets,
        "refusals": refusals,
        "secrets": secrets,
        "mandates": mandates(catalog),
    })
}

/// Every mandate of the catalogue, keyed `agency/dataset`.
fn mandates(catalog: &Catalog) -> Map<String, Value> {
    (catalog.register.mandates.iter())
        .map(|m| {
            (
                m.product(),
                json!({"deadline": m.deadline.to_string(), "official": m.official, "unit": m.unit}),
            )
        })
        .collect()
}

/// What changed from outline `prev` (none at the first version ever) to `next`:
/// `datasets_added`/`removed`, `refusal_rules_added`/`removed` (each rule with its dataset),
/// `state_secrets_added`/`removed`, `mandates_added`/`removed`/`changed`, and
/// `flag_for_oversight` with its `flags` — a new refusal rule or state-secret entry narrows
/// sharing, so oversight is asked to look at it.
pub fn summary(prev: Option<&Value>, next: &Value) -> Value {
    let empty = json!({});
    let prev = prev.unwrap_or(&empty);
    let (ds_added, ds_removed) = set_diff(&prev["datasets"], &next["datasets"]);
    let (rules_added, rules_removed) = rule_diff(&prev["refusals"], &next["refusals"]);
    let (sec_added, sec_removed) = key_diff(&prev["secrets"], &next["secrets"]);
    let (m_added, m_removed) = key_diff(&prev["mandates"], &next["mandates"]);
    let prev_mandates = object(&prev["mandates"]);
    let m_changed: Vec<String> = (object(&next["mandates"]).into_iter())
        .filter(|(k, v)| prev_mandates.get(k).is_some_and(|p| p != v))
        .map(|(k, _)| k)
        .collect();
    let mut flags = Vec::new();
    if !rules_added.is_empty() {
        flags.push("new_refusal_rule");
    }
    if !sec_added.is_empty() {
        flags.push("new_state_secret");
    }
    json!({
        "datasets_added": ds_added,
        "datasets_removed": ds_removed,
        "refusal_rules_added": rules_added,
        "refusal_rules_removed": rules_removed,
        "state_secrets_added": sec_added,
        "state_secrets_removed": sec_removed,
        "mandates_added": m_added,
        "mandates_removed": m_removed,
        "mandates_changed": m_changed,
        "flag_for_oversight": !flags.is_empty(),
        "flags": flags,
    })
}

fn object(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn strings(v: &Value) -> BTreeSet<String> {
    (v.as_array().into_iter().flatten())
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn set_diff(prev: &Value, next: &Value) -> (Vec<String>, Vec<String>) {
    let (p, n) = (strings(prev), strings(next));
    (
        n.difference(&p).cloned().collect(),
        p.difference(&n).cloned().collect(),
    )
}

fn key_diff(prev: &Value, next: &Value) -> (Vec<String>, Vec<String>) {
    let keys = |v: &Value| Value::Array(object(v).keys().map(|k| json!(k)).collect());
    set_diff(&keys(prev), &keys(next))
}

/// Rules present in one outline and not the other, compared by content (legal basis, reason,
/// conditions) within their dataset, so renumbering alone is no change.
fn rule_diff(prev: &Value, next: &Value) -> (Vec<Value>, Vec<Value>) {
    let content = |r: &Value| {
        let mut r = r.clone();
        if let Some(o) = r.as_object_mut() {
            o.remove("decided_by");
        }
        r
    };
    let one_way = |from: &Value, to: &Value| -> Vec<Value> {
        let (from, to) = (object(from), object(to));
        let mut out = Vec::new();
        for (ds, rules) in &from {
            let there: Vec<Value> = (to.get(ds).and_then(Value::as_array).into_iter().flatten())
                .map(content)
                .collect();
            for r in rules.as_array().into_iter().flatten() {
                if !there.contains(&content(r)) {
                    let mut r = r.clone();
                    r["dataset"] = json!(ds);
                    out.push(r);
                }
            }
        }
        out
    };
    (one_way(next, prev), one_way(prev, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_covers_paths_and_texts() {
        let v = |p: &str, t: &str| CatalogVersion::of(BTreeMap::from([(p.into(), t.into())]));
        let a = v("policies/a.toml", "x");
        // Recomputed independently from the formula in the module docs.
        assert_eq!(
            a.digest.to_hex(),
            "a8e69d01074e3d407ab2bb29b25e6d994bd87aa564a91f4d7ade7dd0d2962e93"
        );
        assert_eq!(
            CatalogVersion::default().digest.to_hex(),
            "e1199f33d1be5e96cbba12424d41984dc82fa3e809f822023eaf4aa97620f89b"
        );
        assert_eq!(a, v("policies/a.toml", "x"));
        assert_ne!(a.digest, v("policies/b.toml", "x").digest);
        assert_ne!(a.digest, v("policies/a.toml", "x ").digest);
        assert_ne!(v("ab", "c").digest, v("a", "bc").digest);
    }

    #[test]
    fn summary_lists_what_changed_and_flags_narrowing() {
        let rule = |n: u32, basis: &str| json!({"decided_by": format!("policy:a/d#{n}"), "legal_basis": basis});
        let prev = json!({
            "datasets": ["a/d", "a/old"],
            "refusals": {"a/d": [rule(1, "Art. 1")]},
            "secrets": {},
            "mandates": {"a/d": {"deadline": "2027-01-01"}, "a/old": {"deadline": "2027-01-01"}},
        });
        let next = json!({
            "datasets": ["a/d", "a/new"],
            "refusals": {"a/d": [rule(1, "Art. 9"), rule(2, "Art. 1")]},
            "secrets": {"a/s": "Decree 1"},
            "mandates": {"a/d": {"deadline": "2027-06-01"}, "a/new": {"deadline": "2027-01-01"}},
        });
        let s = summary(Some(&prev), &next);
        assert_eq!(s["datasets_added"], json!(["a/new"]));
        assert_eq!(s["datasets_removed"], json!(["a/old"]));
        assert_eq!(
            s["refusal_rules_added"],
            json!([{"decided_by": "policy:a/d#1", "legal_basis": "Art. 9", "dataset": "a/d"}])
        );
        assert_eq!(s["refusal_rules_removed"], json!([]));
        assert_eq!(s["state_secrets_added"], json!(["a/s"]));
        assert_eq!(s["mandates_added"], json!(["a/new"]));
        assert_eq!(s["mandates_removed"], json!(["a/old"]));
        assert_eq!(s["mandates_changed"], json!(["a/d"]));
        assert_eq!(s["flag_for_oversight"], true);
        assert_eq!(s["flags"], json!(["new_refusal_rule", "new_state_secret"]));
        let same = summary(Some(&next), &next);
        assert_eq!(same["flag_for_oversight"], false);
        assert_eq!(same["refusal_rules_added"], json!([]));
    }
}
