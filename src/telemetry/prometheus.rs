//! `GET /metrics`: Prometheus text exposition (version 0.0.4) of everything the gateway counts.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use super::{Histogram, Metrics};
use crate::audit::{AuditWriter, Outcome};
use crate::config::Catalog;
use crate::security::SecurityEvents;

/// Render every metric. Called per scrape; allocation here is off the request path.
pub fn render(
    m: &Metrics,
    catalog: &Catalog,
    audit: &AuditWriter,
    security: &SecurityEvents,
) -> String {
    let mut out = String::with_capacity(8 * 1024);
    header(
        &mut out,
        "dxgate_requests_total",
        "counter",
        "Data requests by outcome.",
    );
    for o in Outcome::ALL {
        let _ = writeln!(
            out,
            "dxgate_requests_total{{outcome=\"{}\"}} {}",
            o.as_str(),
            m.outcome_count(o)
        );
    }
    histogram(
        &mut out,
        "dxgate_request_duration_seconds",
        "Data request latency, audit commit included.",
        &m.latency,
        1e-6,
    );
    histogram(
        &mut out,
        "dxgate_source_duration_seconds",
        "Time spent waiting on agency sources.",
        &m.source_latency,
        1e-6,
    );

    header(
        &mut out,
        "dxgate_source_requests_total",
        "counter",
        "Exchanges with each dataset's source by result.",
    );
    for a in catalog.agencies.values() {
        for d in a.datasets.values() {
            let h = &d.health;
            let _ = writeln!(
                out,
                "dxgate_source_requests_total{{agency=\"{}\",dataset=\"{}\",result=\"ok\"}} {}",
                a.id,
                d.id,
                h.ok.load(Ordering::Relaxed)
            );
            let _ = writeln!(
                out,
                "dxgate_source_requests_total{{agency=\"{}\",dataset=\"{}\",result=\"error\"}} {}",
                a.id,
                d.id,
                h.errors.load(Ordering::Relaxed)
            );
        }
    }
    header(
        &mut out,
        "dxgate_source_up",
        "gauge",
        "1 unless the last exchange with the source failed.",
    );
    for a in catalog.agencies.values() {
        for d in a.datasets.values() {
            let _ = writeln!(
                out,
                "dxgate_source_up{{agency=\"{}\",dataset=\"{}\"}} {}",
                a.id,
                d.id,
                u8::from(d.health.up())
            );
        }
    }

    let s = audit.stats();
    header(
        &mut out,
        "dxgate_audit_queue_depth",
        "gauge",
        "Records waiting for the group-commit writer.",
    );
    let _ = writeln!(out, "dxgate_audit_queue_depth {}", audit.queue_depth());
    header(
        &mut out,
        "dxgate_audit_records_committed_total",
        "counter",
        "Audit records committed.",
    );
    let _ = writeln!(
        out,
        "dxgate_audit_records_committed_total {}",
        s.committed_records.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "dxgate_audit_commits_total",
        "counter",
        "Audit transactions by result.",
    );
    let _ = writeln!(
        out,
        "dxgate_audit_commits_total{{result=\"ok\"}} {}",
        s.committed_batches.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "dxgate_audit_commits_total{{result=\"failed\"}} {}",
        s.failed_batches.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "dxgate_audit_checkpoints_total",
        "counter",
        "Signed checkpoints written by this replica.",
    );
    let _ = writeln!(
        out,
        "dxgate_audit_checkpoints_total {}",
        s.checkpoints.load(Ordering::Relaxed)
    );
    histogram(
        &mut out,
        "dxgate_audit_batch_size",
        "Records per audit commit (group commit).",
        &s.batch_sizes,
        1.0,
    );

    header(
        &mut out,
        "dxgate_catalog_reloads_total",
        "counter",
        "Catalogue reloads by result.",
    );
    let _ = writeln!(
        out,
        "dxgate_catalog_reloads_total{{result=\"ok\"}} {}",
        m.reloads_ok.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "dxgate_catalog_reloads_total{{result=\"rejected\"}} {}",
        m.reloads_rejected.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "dxgate_security_events_total",
        "counter",
        "Security events by kind (see docs/security.md).",
    );
    for (kind, n) in security.snapshot() {
        let _ = writeln!(out, "dxgate_security_events_total{{kind=\"{kind}\"}} {n}");
    }
    header(
        &mut out,
        "dxgate_catalog_datasets",
        "gauge",
        "Routable datasets in the serving catalogue.",
    );
    let _ = writeln!(out, "dxgate_catalog_datasets {}", catalog.dataset_count());
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram, scale: f64) {
    header(out, name, "histogram", help);
    for (le, n) in h.cumulative() {
        match le {
            Some(b) => {
                let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {n}", b as f64 * scale);
            }
            None => {
                let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {n}");
            }
        }
    }
    let _ = writeln!(out, "{name}_sum {}", h.sum() as f64 * scale);
    let _ = writeln!(out, "{name}_count {}", h.count());
}
