//! `dxgate demo-traffic`, run as the real binary against `dxgate serve` on the bundled demo
//! catalogue: a few seconds of traffic leave real audit records of every kind (made by the
//! gateway from the requests, nothing written into the store), refusals reviewed by
//! oversight, and a ranking with ranked agencies where a fresh demo had none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// The bundled demo catalogue (dxgate.toml, policies/, schemas/, seeds/) copied to `to`.
fn copy_demo(to: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = std::process::Command::new("cp")
        .arg("-r")
        .args(["dxgate.toml", "policies", "schemas", "seeds"].map(|p| repo.join(p)))
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

/// The catalogue agencies (not other units of the register) that are ranked.
fn ranked(ranking: &Value) -> BTreeSet<String> {
    (ranking["agencies"].as_array().unwrap().iter())
        .filter(|a| a["status"] == "ranked")
        .filter_map(|a| a["agency"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn demo_traffic_fills_a_fresh_demo_with_real_records_and_a_ranking() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    copy_demo(dir);
    let (code, out, err) = run_cli(&["ranking", "--format", "json"], dir);
    assert_eq!(code, 0, "{out}{err}");
    let before: Value = serde_json::from_str(&out).unwrap();
    assert!(
        ranked(&before).is_empty(),
        "a fresh demo ranks no agency: {:?}",
        ranked(&before)
    );

    let gw = Gateway::start_binary(dir).await;
    let (code, out, err) = run_bin(&[
        "demo-traffic",
        "--gateway",
        &gw.base,
        "--duration",
        "8s",
        "--rate",
        "100",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let answered: u64 = out
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("demo-traffic: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(out.contains("from 23 consumers"), "{out}");

    // Every answer has its record, of every kind the plan provokes.
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut consumers = BTreeSet::new();
    let mut before_id: Option<String> = None;
    loop {
        let cursor = before_id
            .as_ref()
            .map_or(String::new(), |b| format!("&before={b}"));
        let r = gw
            .get_as(
                "demo-oversight-key",
                &format!("/v1/audit/records?limit=1000{cursor}"),
            )
            .await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        let records = page["records"].as_array().unwrap();
        for rec in records {
            let outcome = rec["outcome"].as_str().unwrap();
            if outcome != "event" {
                *outcomes.entry(outcome.to_owned()).or_default() += 1;
            }
            if let Some(c) = rec["consumer"].as_str() {
                consumers.insert(c.to_owned());
            }
        }
        match page["next_before"].as_str() {
            Some(n) if !records.is_empty() => before_id = Some(n.to_owned()),
            _ => break,
        }
    }
    let requests: u64 = outcomes.values().sum();
    assert!(
        answered >= 253,
        "at least one full round of the plan: {out}"
    );
    assert!(requests >= answered, "{outcomes:?} for {answered} answers");
    for o in [
        "served",
        "refused",
        "exempt",
        "rejected_request",
        "unauthenticated",
    ] {
        assert!(outcomes.get(o).is_some_and(|n| *n > 0), "{o}: {outcomes:?}");
    }
    // The police and 20 other bodies, not counting the oversight office reviewing.
    assert!(consumers.len() >= 23, "{consumers:?}");

    // Oversight reviewed some refusals, through the API.
    let r = gw
        .get_as("demo-oversight-key", "/v1/oversight/refusals?limit=500")
        .await;
    assert_eq!(r.status(), 200);
    let refusals: Value = r.json().await.unwrap();
    let reviewed = (refusals["refusals"].as_array().unwrap().iter())
        .filter(|r| r["review"].is_object())
        .count();
    assert!(reviewed > 0, "{}", refusals["backlog"]);
    assert!(
        out.contains(&format!("{reviewed:>6}  refusals reviewed")),
        "{out}"
    );
    assert!(gw.stop().await.success());

    // The ranking from those records ranks agencies (20 consumer-days each, all today).
    let (code, out, err) = run_cli(&["ranking", "--format", "json"], dir);
    assert_eq!(code, 0, "{out}{err}");
    let after: Value = serde_json::from_str(&out).unwrap();
    let ranked = ranked(&after);
    for a in ["moj", "vss", "highlands"] {
        assert!(ranked.contains(a), "{a} not ranked: {ranked:?}");
    }

    // No gateway there: a clear failure, not a silent zero.
    let (code, _, err) = run_bin(&[
        "demo-traffic",
        "--gateway",
        "http://127.0.0.1:9",
        "--duration",
        "1s",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
}
