//! deploy/grafana/dxgate.json: every PromQL expression in the dashboard parses (the Prometheus
//! grammar, `promql-parser`), and every metric, label and label value it asks for is in the
//! `/metrics` of a live gateway that has served, refused, failed and broken a circuit.

use std::collections::{BTreeMap, BTreeSet};

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{self, Expr, VectorSelector};
use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;

/// Labels Prometheus adds when it scrapes (not in `/metrics` itself).
const TARGET_LABELS: [&str; 2] = ["instance", "job"];

fn dashboard() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dxgate.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("dashboard JSON")
}

/// Every panel, rows' nested panels included.
fn panels(d: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().unwrap() {
        out.push(p);
        out.extend(p["panels"].as_array().into_iter().flatten());
    }
    out
}

/// Grafana's variables replaced by what they expand to for the parser.
fn expand(expr: &str) -> String {
    let mut e = expr.to_owned();
    for (var, value) in [
        ("$__rate_interval", "5m"),
        ("$__interval", "1m"),
        ("$__range", "6h"),
        ("$instance", ".*"),
        ("$agency", ".*"),
    ] {
        e = e.replace(var, value);
    }
    assert!(!e.contains('$'), "unknown dashboard variable in {expr}");
    e
}

/// What an expression asks of `/metrics`.
#[derive(Default)]
struct Asks {
    selectors: Vec<VectorSelector>,
    /// (`by (...)` labels, metrics under that aggregation).
    groupings: Vec<(Vec<String>, BTreeSet<String>)>,
}

fn walk(e: &Expr, asks: &mut Asks) -> BTreeSet<String> {
    match e {
        Expr::Aggregate(a) => {
            let metrics = walk(&a.expr, asks);
            if let Some(p) = &a.param {
                walk(p, asks);
            }
            if let Some(m) = &a.modifier {
                asks.groupings
                    .push((m.labels().labels.clone(), metrics.clone()));
            }
            metrics
        }
        Expr::Unary(u) => walk(&u.expr, asks),
        Expr::Binary(b) => {
            let mut m = walk(&b.lhs, asks);
            m.extend(walk(&b.rhs, asks));
            m
        }
        Expr::Paren(p) => walk(&p.expr, asks),
        Expr::Subquery(s) => walk(&s.expr, asks),
        Expr::VectorSelector(v) => selector(v, asks),
        Expr::MatrixSelector(m) => selector(&m.vs, asks),
        Expr::Call(c) => c.args.args.iter().flat_map(|a| walk(a, asks)).collect(),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => BTreeSet::new(),
    }
}

fn selector(v: &VectorSelector, asks: &mut Asks) -> BTreeSet<String> {
    asks.selectors.push(v.clone());
    v.name.iter().cloned().collect()
}

/// `/metrics` as metric name → label name → values seen.
fn exposition(text: &str) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let end = line.find(['{', ' ']).unwrap();
        let labels = out.entry(line[..end].to_owned()).or_default();
        if line[end..].starts_with('{') {
            let body = &line[end + 1..line.rfind('}').unwrap()];
            for pair in body.split("\",").filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once("=\"").unwrap();
                labels
                    .entry(k.to_owned())
                    .or_default()
                    .insert(v.trim_end_matches('"').to_owned());
            }
        }
    }
    out
}

/// The literal values a matcher accepts (`a|b` alternations), `None` for a real pattern.
fn literals(m: &Matcher) -> Option<Vec<String>> {
    match &m.op {
        MatchOp::Equal => Some(vec![m.value.clone()]),
        MatchOp::Re(_)
            if m.value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-|".contains(c)) =>
        {
            Some(m.value.split('|').map(str::to_owned).collect())
        }
        _ => None,
    }
}

#[tokio::test]
async fn every_dashboard_query_names_metrics_and_labels_that_metrics_exposes() {
    let (_up, _cat, gw) = setup().await;
    // Served, refused, and a source that fails until its breaker opens (5 failures).
    assert_eq!(gw.status(PORTAL_KEY, &person("001")).await, 200);
    assert_eq!(gw.status(PORTAL_KEY, RESTRICTED).await, 403);
    for _ in 0..5 {
        assert_eq!(
            gw.status(PORTAL_KEY, "/v1/data/beta/down?code=1234").await,
            502
        );
    }
    assert_eq!(
        gw.status(PORTAL_KEY, "/v1/data/beta/down?code=1234").await,
        503
    );
    // A path naming no agency of the catalogue adds no series.
    assert_eq!(
        gw.status(PORTAL_KEY, "/v1/data/nowhere/x?code=1").await,
        404
    );
    let text = gw.anon_text("/metrics").await;
    for line in [
        "dxgate_agency_requests_total{agency=\"alpha\",outcome=\"served\"} 1",
        "dxgate_agency_requests_total{agency=\"alpha\",outcome=\"refused\"} 1",
        "dxgate_agency_requests_total{agency=\"beta\",outcome=\"source_error\"} 6",
        "dxgate_source_breaker_open{agency=\"beta\",dataset=\"down\"} 1",
        "dxgate_source_breaker_open{agency=\"alpha\",dataset=\"people\"} 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(!text.contains("agency=\"nowhere\""), "{text}");
    let live = exposition(&text);

    let d = dashboard();
    let mut queried = BTreeSet::new();
    let mut ids = BTreeSet::new();
    let mut n = 0;
    for p in panels(&d) {
        assert!(
            ids.insert(p["id"].as_u64().unwrap()),
            "duplicate panel id {}",
            p["id"]
        );
        for t in p["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"].as_str().unwrap();
            assert_eq!(t["datasource"]["uid"], "${datasource}", "{expr}");
            let ast = parser::parse(&expand(expr)).unwrap_or_else(|e| panic!("{expr}: {e}"));
            let mut asks = Asks::default();
            walk(&ast, &mut asks);
            for v in &asks.selectors {
                let name = v
                    .name
                    .as_deref()
                    .unwrap_or_else(|| panic!("{expr}: name every metric"));
                let labels = live.get(name).unwrap_or_else(|| {
                    panic!(
                        "{:?} queries {name}, which /metrics does not expose",
                        p["title"]
                    )
                });
                queried.insert(name.to_owned());
                for m in &v.matchers.matchers {
                    if TARGET_LABELS.contains(&m.name.as_str()) {
                        continue;
                    }
                    let values = labels
                        .get(&m.name)
                        .unwrap_or_else(|| panic!("{expr}: {name} has no label {:?}", m.name));
                    for value in literals(m).into_iter().flatten() {
                        assert!(
                            values.contains(&value),
                            "{expr}: {name} never has {}={value:?}",
                            m.name
                        );
                    }
                }
            }
            for (by, metrics) in &asks.groupings {
                for label in by.iter().filter(|l| !TARGET_LABELS.contains(&l.as_str())) {
                    assert!(
                        metrics.iter().any(|m| live[m].contains_key(label)),
                        "{expr}: by ({label}) but no metric under it has that label"
                    );
                }
            }
            n += 1;
        }
    }
    assert!(n >= 20, "{n} queries");
    // The template variables' label_values(metric, label).
    for v in d["templating"]["list"].as_array().unwrap() {
        let Some(q) = v["definition"].as_str() else {
            continue;
        };
        let (metric, label) = q
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .and_then(|q| q.split_once(", "))
            .unwrap_or_else(|| panic!("{q}"));
        assert!(
            live[metric].contains_key(label) || TARGET_LABELS.contains(&label),
            "{q}"
        );
    }
    // What the dashboard is for: requests by outcome, latency, audit commits and batch sizes,
    // queue depth, breakers, refusals by agency.
    for m in [
        "dxgate_requests_total",
        "dxgate_request_duration_seconds_bucket",
        "dxgate_audit_commits_total",
        "dxgate_audit_batch_size_bucket",
        "dxgate_audit_queue_depth",
        "dxgate_source_breaker_open",
        "dxgate_agency_requests_total",
    ] {
        assert!(queried.contains(m), "the dashboard does not show {m}");
    }
    gw.stop().await;
}
