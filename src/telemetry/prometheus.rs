//! `GET /metrics`: Prometheus text exposition (version 0.0.4) of everything the gateway counts.

use std::fmt::{Display, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Histogram, Metrics};
use crate::audit::{AuditWriter, Outcome};
use crate::runtime::Runtime;
use crate::security::SecurityEvents;

/// Render every metric. Called per scrape; allocation here is off the request path.
pub fn render(
    m: &Metrics,
    runtime: &Runtime,
    audit: &AuditWriter,
    security: &SecurityEvents,
) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let o = &mut out;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);

    family(
        o,
        "dxgate_requests_total",
        "counter",
        "Data requests by outcome.",
    );
    for oc in Outcome::ALL {
        sample(
            o,
            "dxgate_requests_total",
            &[("outcome", oc.as_str())],
            m.outcome_count(oc),
        );
    }
    histogram(
        o,
        "dxgate_request_duration_seconds",
        "Data request latency, audit commit included.",
        &m.latency,
        1e-6,
    );
    histogram(
        o,
        "dxgate_source_duration_seconds",
        "Time spent waiting on agency sources.",
        &m.source_latency,
        1e-6,
    );

    family(
        o,
        "dxgate_source_requests_total",
        "counter",
        "Exchanges with each dataset's source by result.",
    );
    for d in runtime.sources() {
        for (result, n) in [
            ("ok", load(&d.health.ok)),
            ("error", load(&d.health.errors)),
        ] {
            let labels = [
                ("agency", d.agency),
                ("dataset", d.dataset),
                ("result", result),
            ];
            sample(o, "dxgate_source_requests_total", &labels, n);
        }
    }
    family(
        o,
        "dxgate_source_up",
        "gauge",
        "1 unless the last exchange with the source failed.",
    );
    for d in runtime.sources() {
        let labels = [("agency", d.agency), ("dataset", d.dataset)];
        sample(o, "dxgate_source_up", &labels, u8::from(d.health.up()));
    }

    let s = audit.stats();
    family(
        o,
        "dxgate_audit_queue_depth",
        "gauge",
        "Records waiting for the group-commit writer.",
    );
    sample(o, "dxgate_audit_queue_depth", &[], audit.queue_depth());
    family(
        o,
        "dxgate_audit_records_committed_total",
        "counter",
        "Audit records committed.",
    );
    sample(
        o,
        "dxgate_audit_records_committed_total",
        &[],
        load(&s.committed_records),
    );
    family(
        o,
        "dxgate_audit_commits_total",
        "counter",
        "Audit transactions by result.",
    );
    sample(
        o,
        "dxgate_audit_commits_total",
        &[("result", "ok")],
        load(&s.committed_batches),
    );
    sample(
        o,
        "dxgate_audit_commits_total",
        &[("result", "failed")],
        load(&s.failed_batches),
    );
    family(
        o,
        "dxgate_audit_checkpoints_total",
        "counter",
        "Signed checkpoints written by this replica.",
    );
    sample(
        o,
        "dxgate_audit_checkpoints_total",
        &[],
        load(&s.checkpoints),
    );
    histogram(
        o,
        "dxgate_audit_batch_size",
        "Records per audit commit (group commit).",
        &s.batch_sizes,
        1.0,
    );

    family(
        o,
        "dxgate_catalog_reloads_total",
        "counter",
        "Catalogue reloads by result.",
    );
    sample(
        o,
        "dxgate_catalog_reloads_total",
        &[("result", "ok")],
        load(&m.reloads_ok),
    );
    sample(
        o,
        "dxgate_catalog_reloads_total",
        &[("result", "rejected")],
        load(&m.reloads_rejected),
    );
    family(
        o,
        "dxgate_security_events_total",
        "counter",
        "Security events by kind (see docs/security.md).",
    );
    for (kind, n) in security.snapshot() {
        sample(o, "dxgate_security_events_total", &[("kind", kind)], n);
    }
    family(
        o,
        "dxgate_catalog_datasets",
        "gauge",
        "Routable datasets in the serving catalogue.",
    );
    sample(o, "dxgate_catalog_datasets", &[], runtime.sources().count());
    out
}

/// `# HELP` and `# TYPE` lines of one metric family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample line: `name{k="v",…} value` (no braces without labels). Label values here are
/// ids and fixed words, which never need escaping.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl Display) {
    out.push_str(name);
    for (i, (k, v)) in labels.iter().enumerate() {
        out.push(if i == 0 { '{' } else { ',' });
        let _ = write!(out, "{k}=\"{v}\"");
    }
    if !labels.is_empty() {
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram, scale: f64) {
    family(out, name, "histogram", help);
    let bucket = format!("{name}_bucket");
    for (le, n) in h.cumulative() {
        let le = le.map_or_else(|| "+Inf".to_owned(), |b| (b as f64 * scale).to_string());
        sample(out, &bucket, &[("le", &le)], n);
    }
    sample(out, &format!("{name}_sum"), &[], h.sum() as f64 * scale);
    sample(out, &format!("{name}_count"), &[], h.count());
}
