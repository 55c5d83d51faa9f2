//! The forward phase: ask the agency's source, behind its timeout, concurrency cap and circuit
//! breaker, and keep its health figures.

use std::time::Instant;

use super::check::CheckedRequest;
use crate::audit::Entry;
use crate::gateway::Gateway;
use crate::identity::Consumer;
use crate::runtime::DatasetRuntime;
use crate::security::SecurityEvents;
use crate::source::{SourceError, SourceReply, SourceRequest};

/// Ask the source. Its answer (or failure) is classified by the check-response phase.
pub(super) async fn forward_phase(
    gw: &Gateway,
    live: &DatasetRuntime,
    consumer: &Consumer,
    purpose: &str,
    checked: &CheckedRequest,
    entry: &mut Entry,
) -> Result<SourceReply, SourceError> {
    let started = Instant::now();
    let reply = live
        .source
        .fetch(
            &live.breaker,
            &SourceRequest {
                request_id: &entry.request_id,
                consumer: &consumer.id,
                purpose,
                query: &checked.query,
                body: checked.body.as_ref(),
                params: &checked.params,
            },
        )
        .await;
    entry.source_latency_us = Some(started.elapsed().as_micros() as i64);
    if let Err(SourceError::Unavailable(_)) = &reply {
        SecurityEvents::bump(&gw.security.circuit_open_rejections);
    }
    match &reply {
        Ok(SourceReply::Data { .. } | SourceReply::NotFound | SourceReply::Refused { .. }) => {
            live.health.success(entry.ts_ms)
        }
        Err(_) => live.health.failure(entry.ts_ms),
    }
    reply
}
