//! `dxgate audit archive --before DATE`: move closed stretches of each chain out of the live
//! table into segment files, without breaking the chain.
//!
//! For each node the segment runs from the last archived record to the last record before the
//! cutoff, rounded down to a multiple of 256 so that every Merkle subtree it covers is stored
//! (proofs and roots never need archived leaves). The records are re-verified while written to
//! `<archive dir>/<node>-<first>-<last>.jsonl` (fsynced), a checkpoint at the segment's end is
//! signed, and an `audit_segments` row keeps the link: `audit verify` continues from its hash.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::chain::{record_hash, GENESIS};
use super::checkpoint::{origin_for, Checkpoint};
use super::merkle::STORED_LEVEL;
use super::note::NoteSigner;
use super::{
    now_ms, Digest, Entry, Event, EventKind, Outcome, SchemaResult, SegmentRow, Store, StoreError,
    StoredRecord,
};
use crate::policy::Justification;
use crate::progress::{Progress, Silent};

/// Records read per round trip.
const PAGE: i64 = 10_000;

/// Archiving failed; nothing was removed from the live table.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("archive file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("chain {node} does not verify at seq {seq}; run `dxgate audit verify` first")]
    Tampered { node: String, seq: i64 },
}

/// What one run archived.
#[derive(Debug, Default)]
pub struct Archived {
    pub segments: Vec<SegmentRow>,
    pub dropped_partitions: Vec<String>,
    /// Chains whose records before the cutoff were not all archived because the ranking
    /// rollups had not counted them yet: (node, records kept live).
    pub held_back: Vec<(String, i64)>,
}

/// Archive every chain's records from before `cutoff_ms` into `dir`, but never past
/// `rolled_up[node]`: the last seq of each chain the ranking rollups have counted (a chain
/// missing there keeps everything), since the rollups read only the live table.
pub async fn archive_before(
    store: &Store,
    cutoff_ms: i64,
    dir: &Path,
    signer: &NoteSigner,
    origin: &str,
    rolled_up: &BTreeMap<String, i64>,
) -> Result<Archived, ArchiveError> {
    archive_before_with(store, cutoff_ms, dir, signer, origin, rolled_up, &Silent).await
}

/// [`archive_before`], telling `progress` how many records each chain has to archive and done.
pub async fn archive_before_with(
    store: &Store,
    cutoff_ms: i64,
    dir: &Path,
    signer: &NoteSigner,
    origin: &str,
    rolled_up: &BTreeMap<String, i64>,
    progress: &dyn Progress,
) -> Result<Archived, ArchiveError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ArchiveError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let (mut segments, mut held_back) = (Vec::new(), Vec::new());
    for node in store.nodes().await? {
        let (mut seq, mut prev) = match store.segments(&node).await?.last() {
            Some(s) => (s.last_seq, s.last_hash),
            None => (0, GENESIS),
        };
        let (first, seg_prev) = (seq + 1, prev);
        let by_date = match store.first_seq_since(&node, cutoff_ms, seq).await? {
            Some(s) => s - 1,
            None => store.head(&node).await?.seq,
        };
        let counted = rolled_up.get(&node).copied().unwrap_or(0);
        if counted < by_date {
            held_back.push((node.clone(), by_date - counted.max(seq)));
        }
        let end = by_date.min(counted);
        let last = end - end.rem_euclid(1 << STORED_LEVEL);
        if last < first {
            continue;
        }
        progress.add_total(crate::progress::span(seq, last));
        let path = dir.join(format!("{node}-{first}-{last}.jsonl"));
        let tmp = path.with_extension("jsonl.tmp");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io(&tmp))?);
        let mut sha = Sha256::new();
        let (mut min_ts, mut max_ts) = (i64::MAX, i64::MIN);
        while seq < last {
            let page = store.chain_page(&node, seq, PAGE.min(last - seq)).await?;
            if page.is_empty() {
                return Err(ArchiveError::Tampered { node, seq: seq + 1 });
            }
            let walked = page.len() as u64;
            for r in page {
                if r.seq != seq + 1
                    || r.prev_hash != prev
                    || record_hash(&r.prev_hash, &r.node_id, r.seq, &r.entry) != r.hash
                {
                    return Err(ArchiveError::Tampered { node, seq: r.seq });
                }
                let mut line = serde_json::to_vec(&r.complete()).unwrap_or_default();
                line.push(b'\n');
                sha.update(&line);
                file.write_all(&line).map_err(io(&tmp))?;
                min_ts = min_ts.min(r.entry.ts_ms);
                max_ts = max_ts.max(r.entry.ts_ms);
                seq = r.seq;
                prev = r.hash;
            }
            progress.advance(walked);
        }
        let file = file.into_inner().map_err(|e| io(&tmp)(e.into_error()))?;
        file.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        let root = store.range_hash(&node, 0, last as u64).await?;
        let checkpoint = Checkpoint {
            origin: origin_for(origin, &node),
            size: last as u64,
            root,
        }
        .sign(signer);
        segments.push(SegmentRow {
            node_id: node,
            first_seq: first,
            last_seq: last,
            prev_hash: seg_prev,
            last_hash: prev,
            root_hash: root,
            min_ts_ms: Some(min_ts),
            max_ts_ms: Some(max_ts),
            archived_ms: now_ms(),
            location: path.display().to_string(),
            file_sha256: Digest::from_bytes(sha.finalize().into()),
            checkpoint,
        });
    }
    let dropped_partitions = store.commit_segments(&segments, cutoff_ms).await?;
    Ok(Archived {
        segments,
        dropped_partitions,
        held_back,
    })
}

/// Re-read a segment's file: its digest, and every record's hash and link. Returns the
/// records' hashes in order (seq `first_seq..=last_seq`).
pub fn verify_file(seg: &SegmentRow) -> Result<Vec<Digest>, String> {
    let bytes = std::fs::read(&seg.location).map_err(|e| format!("{}: {e}", seg.location))?;
    if Digest::sha256(&bytes) != seg.file_sha256 {
        return Err(format!(
            "{} was changed since it was archived",
            seg.location
        ));
    }
    let mut prev = seg.prev_hash;
    let mut seq = seg.first_seq - 1;
    let mut hashes = Vec::new();
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let r: ArchivedRecord =
            serde_json::from_slice(line).map_err(|e| format!("unreadable record: {e}"))?;
        let r = r.into_stored().ok_or("a record has unknown values")?;
        if r.seq != seq + 1 || r.prev_hash != prev || r.node_id != seg.node_id {
            return Err(format!(
                "record {} does not follow seq {seq}",
                r.entry.request_id
            ));
        }
        if record_hash(&r.prev_hash, &r.node_id, r.seq, &r.entry) != r.hash {
            return Err(format!("record {} was altered", r.entry.request_id));
        }
        seq = r.seq;
        prev = r.hash;
        hashes.push(r.hash);
    }
    if seq != seg.last_seq || prev != seg.last_hash {
        return Err(format!(
            "the file ends at seq {seq}, the segment at {}",
            seg.last_seq
        ));
    }
    Ok(hashes)
}

/// A record from the JSON `StoredRecord` serializes to (archive lines, API answers).
pub fn record_from_json(v: serde_json::Value) -> Result<StoredRecord, String> {
    let r: ArchivedRecord = serde_json::from_value(v).map_err(|e| e.to_string())?;
    r.into_stored()
        .ok_or_else(|| "a record has unknown values".to_owned())
}

/// A record as `StoredRecord`'s JSON writes it.
#[derive(Deserialize)]
struct ArchivedRecord {
    request_id: String,
    node_id: String,
    seq: i64,
    ts_ms: i64,
    consumer: Option<String>,
    agency: Option<String>,
    dataset: Option<String>,
    method: String,
    purpose: Option<String>,
    outcome: String,
    status: u16,
    justification: Option<Justification>,
    request_schema: String,
    response_schema: String,
    request_sha256: Option<Digest>,
    response_sha256: Option<Digest>,
    latency_us: i64,
    source_latency_us: Option<i64>,
    detail: Option<String>,
    /// Present only on records of datasets that declare a subject field.
    #[serde(default)]
    subject_hash: Option<Digest>,
    /// Present only on event records.
    #[serde(default)]
    event: Option<ArchivedEvent>,
    /// Present only on records with keyed payload hashes.
    #[serde(default)]
    payload_scheme: Option<String>,
    /// Present (true) only on readiness probes.
    #[serde(default)]
    probe: bool,
    /// Present only where the dataset declares a `freshness_pointer`.
    #[serde(default)]
    data_as_of_ms: Option<i64>,
    /// Present only where served data was checked.
    #[serde(default)]
    duplicates: Option<u32>,
    /// Present only on records decided under a witnessed catalogue version.
    #[serde(default)]
    catalog_digest: Option<Digest>,
    /// Present only on requests that named a case, an end user, or were projected.
    #[serde(default)]
    data_case_hash: Option<Digest>,
    #[serde(default)]
    end_user_hash: Option<Digest>,
    #[serde(default)]
    projection: Option<String>,
    prev_hash: Digest,
    hash: Digest,
}

/// An event as [`StoredRecord`]'s JSON writes it.
#[derive(Deserialize)]
struct ArchivedEvent {
    kind: String,
    facts: serde_json::Value,
}

impl ArchivedRecord {
    fn into_stored(self) -> Option<StoredRecord> {
        Some(StoredRecord {
            node_id: self.node_id,
            seq: self.seq,
            prev_hash: self.prev_hash,
            hash: self.hash,
            entry: Entry {
                request_id: self.request_id,
                ts_ms: self.ts_ms,
                consumer: self.consumer,
                agency: self.agency,
                dataset: self.dataset,
                method: self.method,
                purpose: self.purpose,
                outcome: Outcome::parse(&self.outcome)?,
                status: self.status,
                justification: self.justification,
                request_schema: SchemaResult::parse(&self.request_schema)?,
                response_schema: SchemaResult::parse(&self.response_schema)?,
                request_sha256: self.request_sha256,
                response_sha256: self.response_sha256,
                latency_us: self.latency_us,
                source_latency_us: self.source_latency_us,
                detail: self.detail,
                subject_hash: self.subject_hash,
                event: match self.event {
                    None => None,
                    Some(ev) => Some(Event::new(EventKind::parse(&ev.kind)?, ev.facts).ok()?),
                },
                payload_scheme: self.payload_scheme,
                probe: self.probe,
                data_as_of_ms: self.data_as_of_ms,
                duplicates: self.duplicates,
                catalog_digest: self.catalog_digest,
                data_case_hash: self.data_case_hash,
                end_user_hash: self.end_user_hash,
                projection: self.projection,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an archive file holds (a record's JSON) reads back as the same record, events too.
    #[test]
    fn archived_records_read_back_whole() {
        let event = Event::new(
            EventKind::RejectionSummary,
            serde_json::json!({"count": 12, "client": "203.0.113.0/24"}),
        )
        .unwrap();
        for entry in [
            Entry::new("r1", 5, "GET").outcome(Outcome::Served, 200),
            Entry::event(6, event).consumer("portal"),
        ] {
            let hash = record_hash(&GENESIS, "n1", 1, &entry);
            let stored = StoredRecord {
                node_id: "n1".into(),
                seq: 1,
                prev_hash: GENESIS,
                hash,
                entry,
            };
            let json = serde_json::to_string(&stored).unwrap();
            let back: ArchivedRecord = serde_json::from_str(&json).unwrap();
            assert_eq!(back.into_stored(), Some(stored));
        }
    }
}
