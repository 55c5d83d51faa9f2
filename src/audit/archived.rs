//! Records that `dxgate audit archive` moved into segment files: found by request id
//! (`audit_request_ids` keeps where each record was), read back from the file, with the leaves
//! of the record's 256-record block so its inclusion proof can still be given.
//!
//! The file is streamed once: every byte goes into the SHA-256 that must equal the segment
//! row's `file_sha256`, and only the lines of the record's block are parsed (line `i` of a
//! segment is seq `first_seq + i`). The proof itself needs nothing else from the file: the
//! larger subtrees stay in `audit_tree` (`super::merkle::STORED_LEVEL`).

use std::io::BufRead;

use sha2::{Digest as _, Sha256};

use super::inclusion::Leaves;
use super::merkle::STORED_LEVEL;
use super::{Digest, SegmentRow, Store, StoreError, StoredRecord};

/// An archived record and the leaves of its block.
#[derive(Debug)]
pub struct ArchivedRecord {
    pub record: StoredRecord,
    pub segment: String,
    pub leaves: Leaves,
}

/// The archived record with `request_id`, if one was archived.
pub async fn find(store: &Store, request_id: &str) -> Result<Option<ArchivedRecord>, StoreError> {
    let Some((node, seq)) = store.locate(request_id).await? else {
        return Ok(None);
    };
    let segments = store.segments(&node).await?;
    let Some(seg) = segments
        .into_iter()
        .find(|s| s.first_seq <= seq && seq <= s.last_seq)
    else {
        return Ok(None);
    };
    let id = request_id.to_owned();
    tokio::task::spawn_blocking(move || read_block(&seg, seq, &id))
        .await
        .map_err(|e| StoreError::Corrupt(format!("archive reader: {e}")))?
        .map(Some)
}

fn read_block(seg: &SegmentRow, seq: i64, request_id: &str) -> Result<ArchivedRecord, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("archive {}: {what}", seg.location));
    let file = std::fs::File::open(&seg.location).map_err(|e| corrupt(e.to_string()))?;
    let mut reader = std::io::BufReader::new(file);
    let block = 1i64 << STORED_LEVEL;
    // Leaves [lo, lo + 256): seqs lo + 1 ..= lo + 256, all inside the segment (cuts fall on
    // multiples of 256).
    let lo = (seq - 1) - (seq - 1).rem_euclid(block);
    let (mut sha, mut line, mut at) = (Sha256::new(), Vec::new(), seg.first_seq);
    let (mut hashes, mut found) = (Vec::new(), None);
    loop {
        line.clear();
        let n = (reader.read_until(b'\n', &mut line)).map_err(|e| corrupt(e.to_string()))?;
        if n == 0 {
            break;
        }
        sha.update(&line);
        if at > lo && at <= lo + block {
            let value = serde_json::from_slice(&line).map_err(|e| corrupt(e.to_string()))?;
            let r = super::archive::record_from_json(value).map_err(corrupt)?;
            if r.seq != at || r.node_id != seg.node_id {
                return Err(corrupt(format!("line of seq {at} holds seq {}", r.seq)));
            }
            hashes.push(r.hash);
            if at == seq {
                found = Some(r);
            }
        }
        at += 1;
    }
    if Digest::from_bytes(sha.finalize().into()) != seg.file_sha256 {
        return Err(corrupt("the file was changed since it was archived".into()));
    }
    let record = found
        .filter(|r| r.entry.request_id == request_id)
        .ok_or_else(|| corrupt(format!("seq {seq} is not record {request_id}")))?;
    Ok(ArchivedRecord {
        record,
        segment: seg.location.clone(),
        leaves: Leaves {
            first: lo as u64,
            hashes,
        },
    })
}
