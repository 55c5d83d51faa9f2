//! The forward phase: ask the agency's source, behind its timeout, concurrency cap and circuit
//! breaker, and keep its health figures.

use std::time::Instant;

use super::check::CheckedRequest;
use crate::audit::Entry;
use crate::config::Dataset;
use crate::gateway::Gateway;
use crate::identity::Consumer;
use crate::security::SecurityEvents;
use crate::source::{SourceError, SourceReply, SourceRequest};

/// Ask the source. Its answer (or failure) is classified by the check-response phase.
pub(super) async fn forward_phase(
    gw: &Gateway,
    ds: &Dataset,
    consumer: &Consumer,
    purpose: &str,
    checked: &CheckedRequest,
    entry: &mut Entry,
) -> Result<SourceReply, SourceError> {
    let started = Instant::now();
    let reply = ds
        .source
        .fetch(&SourceRequest {
            request_id: &entry.request_id,
            consumer: &consumer.id,
            purpose,
            query: &checked.query,
            body: checked.body.as_ref(),
            params: &checked.params,
        })
        .await;
    entry.source_latency_us = Some(started.elapsed().as_micros() as i64);
    if let Err(SourceError::Unavailable(_)) = &reply {
        SecurityEvents::bump(&gw.security.circuit_open_rejections);
    }
    match &reply {
        Ok(SourceReply::Data { .. } | SourceReply::NotFound | SourceReply::Refused { .. }) => {
            ds.health.success(entry.ts_ms)
        }
        Err(_) => ds.health.failure(entry.ts_ms),
    }
    reply
}
