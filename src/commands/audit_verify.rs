//! `dxgate audit verify`: recompute every node's hash chain and Merkle tree, check checkpoint
//! signatures; exit 1 naming the first bad record or checkpoint.
//!
//! Only what comes from outside the store is trusted: verifier keys from `--key` and
//! `[audit] trusted_keys` (the private key next to the store is a loudly announced fallback),
//! the chains named by `[audit] chains`, and checkpoints from `--checkpoint` and the writers'
//! anchor files (which also name chains that must exist; this node's own chain must have one).

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::audit::note::{load_key, NoteVerifier};
use crate::audit::verify::{self, VerifyOptions};
use crate::audit::{anchor, Store};

/// Printed when only the key next to the store is available.
const LOCAL_KEY_WARNING: &str = "WARNING: no verifier key given out of band (--key or \
[audit] trusted_keys). Checkpoint signatures are checked ONLY against the private key next to \
the store, which whoever can alter the store may have replaced too: this is NOT an independent \
verification. Pass --key with the verifier key the operator published.";

/// What `audit verify` is asked to check besides the store (the docs are its `--help`).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Trust this verifier key (`<name>+<hash>+<key>`, the published one); repeatable.
    #[arg(long = "key")]
    pub keys: Vec<String>,
    /// A checkpoint note saved earlier: the log must still contain it; repeatable.
    #[arg(long = "checkpoint")]
    pub checkpoints: Vec<PathBuf>,
    /// Re-read and check the archived segment files too.
    #[arg(long)]
    pub archive_files: bool,
    /// Only walk records after each chain's last signed checkpoint before this UTC date
    /// (YYYY-MM-DD); the checkpoint vouches for the rest.
    #[arg(long)]
    pub since: Option<String>,
}

pub async fn audit_verify(dir: &Path, args: &VerifyArgs) -> Result<(), CommandError> {
    let (settings, url) = crate::config::load_settings(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let failed = |e: &dyn std::fmt::Display| CommandError::Failed(e.to_string());
    let mut verifiers = Vec::new();
    for k in settings.audit.trusted_keys.iter().chain(&args.keys) {
        verifiers.push(NoteVerifier::parse(k).map_err(|e| failed(&format!("key {k:?}: {e}")))?);
    }
    let independent = !verifiers.is_empty();
    if !independent {
        if let Some(signer) = load_key(&settings.audit.signing_key).map_err(|e| failed(&e))? {
            eprintln!("{LOCAL_KEY_WARNING}");
            verifiers.push(signer.verifier());
        }
    }
    let mut external = Vec::new();
    for path in &args.checkpoints {
        let note = std::fs::read_to_string(path)
            .map_err(|e| failed(&format!("{}: {e}", path.display())))?;
        external.push(note);
    }
    // The writers' anchors: checkpoints kept outside the store, each naming a chain.
    let anchor_dir = &settings.audit.anchor_dir;
    let mut expected_chains = settings.audit.chains.clone();
    let anchored =
        anchor::nodes(anchor_dir).map_err(|e| failed(&format!("{}: {e}", anchor_dir.display())))?;
    let own = settings.server.node_id.clone();
    let own_anchored = anchored.contains(&own);
    for node in anchored {
        if let Ok(Some(note)) = anchor::read(anchor_dir, &node) {
            external.push(note);
        }
        expected_chains.push(node);
    }
    let since_ms = match &args.since {
        Some(d) => Some(
            crate::calendar::parse_date(d)
                .map(crate::calendar::start_ms)
                .map_err(|e| failed(&format!("--since {e}")))?,
        ),
        None => None,
    };
    let opts = VerifyOptions {
        verifiers,
        external,
        archive_files: args.archive_files,
        since_ms,
        expected_chains,
    };
    let store = Store::open(&url).await?;
    let own_records = store.head(&own).await?.seq;
    let bar = super::progress_bar::Bar::new("verify");
    let result = verify::verify_all_with(&store, &opts, &bar).await?;
    bar.finish();
    store.close().await;
    // This node's writer anchors every chain it starts: records with no anchor beside them
    // mean the anchor was deleted (with the store's checkpoints, nothing else would show it).
    if own_records > 0 && !own_anchored && result.is_ok() {
        return Err(CommandError::Failed(format!(
            "TAMPERED: chain {own} holds {own_records} records but its anchor file {} is \
             missing: it was deleted or lost (or the store is from before anchors; see `dxgate \
             audit reanchor`)",
            anchor::path(anchor_dir, &own).display()
        )));
    }
    match result {
        Ok(chains) => {
            let total: i64 = chains.iter().map(|c| c.records).sum();
            let cps: usize = chains.iter().map(|c| c.checkpoints).sum();
            for c in &chains {
                println!(
                    "chain {}: {} records ({} archived, walked from seq {}), {} checkpoints, head {}",
                    c.node_id,
                    c.records,
                    c.archived,
                    c.from_seq + 1,
                    c.checkpoints,
                    c.head_hash
                );
            }
            println!(
                "ok: {} chain(s), {total} records verified, {cps} checkpoint signatures valid",
                chains.len()
            );
            if !independent {
                println!(
                    "NOT INDEPENDENT: signatures were checked against the private key next to \
                     the store only; pass --key with the published verifier key"
                );
            }
            Ok(())
        }
        Err(t) => Err(CommandError::Failed(format!("TAMPERED: {t}"))),
    }
}
