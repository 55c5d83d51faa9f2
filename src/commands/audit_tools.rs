//! `dxgate audit key`, `dxgate audit archive` and `dxgate audit check-inclusion`.

use std::path::Path;

use super::CommandError;
use crate::audit::archive::archive_before_with;
use crate::audit::inclusion::{check, InclusionProof};
use crate::audit::note::{load_or_create_key, NoteVerifier};
use crate::audit::{now_ms, Store};
use crate::ranking::rollup::ConsumerAgencies;
use crate::ranking::rollup_store;

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::Failed(e.to_string())
}

/// Print the checkpoint verifier key, creating the signing key (mode 0600) if it is missing.
pub async fn audit_key(dir: &Path) -> Result<(), CommandError> {
    let (settings, _) = crate::config::load_settings(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let path = &settings.audit.signing_key;
    let (signer, created) = load_or_create_key(path, &settings.audit.origin).map_err(failed)?;
    if created {
        eprintln!(
            "dxgate: generated a NEW checkpoint signing key at {} (mode 0600); back it up",
            path.display()
        );
    }
    println!("{}", signer.verifier_key());
    Ok(())
}

/// Print the keyed hash of `text` (or of standard input) under the payload key, as records
/// show it, with the scheme: what `request_sha256`/`response_sha256` of that payload would be.
pub async fn audit_hash_payload(dir: &Path, text: Option<&str>) -> Result<(), CommandError> {
    let (settings, _) = crate::config::load_settings(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let path = &settings.audit.payload_key_file;
    if !path.exists() {
        return Err(failed(format!("no payload key at {}", path.display())));
    }
    let (key, _) = crate::audit::PayloadKey::load_or_create(path).map_err(failed)?;
    let payload = match text {
        Some(t) => t.as_bytes().to_vec(),
        None => {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(failed)?;
            buf
        }
    };
    println!("{}  {}", key.hash(&payload).to_hex(), key.scheme());
    Ok(())
}

/// Archive every chain's records from before `before` (YYYY-MM-DD, UTC). The ranking rollups
/// catch up first (they read only the live table), and nothing they have not counted is
/// archived.
pub async fn audit_archive(dir: &Path, before: &str) -> Result<(), CommandError> {
    let loaded = crate::config::load(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let (settings, url) = (&loaded.settings, &loaded.store_url);
    let cutoff = crate::calendar::parse_date(before)
        .map(crate::calendar::start_ms)
        .map_err(|e| failed(format!("--before {e}")))?;
    if cutoff > now_ms() {
        return Err(failed("--before must not be in the future"));
    }
    let a = &settings.audit;
    let (signer, _) = load_or_create_key(&a.signing_key, &a.origin).map_err(failed)?;
    let store = Store::open(url).await?;
    let bar = super::progress_bar::Bar::new("archive");
    let result = async {
        let zone = &settings.ranking.timezone;
        let agencies = ConsumerAgencies::from_catalog(&loaded.catalog).in_zone(zone);
        let caught = rollup_store::catch_up(&store, &agencies, None).await;
        println!(
            "ranking rollups caught up: {} new record(s)",
            caught.map_err(failed)?.records
        );
        let rolled_up = rollup_store::watermarks(&store).await.map_err(failed)?;
        let (dir, origin) = (&a.archive_dir, &a.origin);
        archive_before_with(&store, cutoff, dir, &signer, origin, &rolled_up, &bar)
            .await
            .map_err(failed)
    }
    .await;
    bar.finish();
    store.close().await;
    let done = result?;
    for (node, kept) in &done.held_back {
        println!("chain {node}: {kept} record(s) before the date kept live: the ranking rollups have not counted them yet (they are archived by a later run)");
    }
    for s in &done.segments {
        println!(
            "archived chain {} seq {}..={} to {}",
            s.node_id, s.first_seq, s.last_seq, s.location
        );
    }
    for p in &done.dropped_partitions {
        println!("dropped partition {p}");
    }
    println!("ok: {} segment(s) archived", done.segments.len());
    Ok(())
}

/// Check an inclusion proof (the JSON `GET /v1/audit/inclusion/{id}` returns) offline.
/// Each of `witnesses` (verifier keys) must have cosigned the proof's checkpoint.
pub fn audit_check_inclusion(
    proof: &Path,
    key: Option<&str>,
    witnesses: &[String],
) -> Result<(), CommandError> {
    let text =
        std::fs::read_to_string(proof).map_err(|e| failed(format!("{}: {e}", proof.display())))?;
    let p: InclusionProof =
        serde_json::from_str(&text).map_err(|e| failed(format!("not an inclusion proof: {e}")))?;
    let shown = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("record").cloned());
    // A legacy record's plain payload hashes are withheld, so its hash cannot be recomputed.
    let withheld = shown
        .as_ref()
        .and_then(|r| r.get("payload_hashes_withheld"))
        .and_then(|w| w.as_str())
        .map(str::to_owned);
    let record: Option<crate::audit::StoredRecord> = shown
        .filter(|_| withheld.is_none())
        .and_then(|r| crate::audit::archive::record_from_json(r).ok());
    let key = match key {
        Some(k) => k.to_owned(),
        None => {
            let k = p
                .verifier_key
                .clone()
                .ok_or_else(|| failed("pass --key <published verifier key>"))?;
            eprintln!("dxgate: WARNING: trusting the key inside the proof ({k}); compare it with the published verifier key or pass --key");
            k
        }
    };
    let verifier = NoteVerifier::parse(&key).map_err(failed)?;
    let cp =
        check(&p, &verifier, record.as_ref()).map_err(|e| failed(format!("NOT INCLUDED: {e}")))?;
    for w in witnesses {
        let v = crate::audit::cosignature::WitnessVerifier::parse(w)
            .map_err(|e| failed(format!("--witness {w:?}: {e}")))?;
        if v.find(&p.checkpoint).is_none() {
            return Err(failed(format!(
                "NOT WITNESSED: the checkpoint carries no valid cosignature by {}",
                v.name()
            )));
        }
    }
    if !witnesses.is_empty() {
        println!("ok: cosigned by {} witness(es)", witnesses.len());
    }
    println!(
        "ok: {} is record {} of {}, included in its signed tree of {} records{}",
        p.request_id,
        p.seq,
        cp.origin,
        cp.size,
        match (&record, &withheld) {
            (Some(_), _) => " (record content checked)".to_owned(),
            (None, Some(w)) =>
                format!(" (record content not checked: its payload hashes are withheld, {w})"),
            (None, None) => String::new(),
        }
    );
    Ok(())
}
