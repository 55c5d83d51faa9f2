//! `dxgate audit verify`: recompute every node's hash chain and Merkle tree, check checkpoint
//! signatures; exit 1 naming the first bad record or checkpoint.

use std::path::{Path, PathBuf};

use super::CommandError;
use crate::audit::note::{load_key, NoteVerifier};
use crate::audit::verify::{self, VerifyOptions};
use crate::audit::Store;

/// What `audit verify` is asked to check besides the store (the docs are its `--help`).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Also trust this verifier key (`<name>+<hash>+<key>`); repeatable.
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
    if let Some(signer) = load_key(&settings.audit.signing_key).map_err(|e| failed(&e))? {
        verifiers.push(signer.verifier());
    }
    for k in settings.audit.trusted_keys.iter().chain(&args.keys) {
        verifiers.push(NoteVerifier::parse(k).map_err(|e| failed(&format!("key {k:?}: {e}")))?);
    }
    let mut external = Vec::new();
    for path in &args.checkpoints {
        let note = std::fs::read_to_string(path)
            .map_err(|e| failed(&format!("{}: {e}", path.display())))?;
        external.push(note);
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
    };
    let store = Store::open(&url).await?;
    let result = verify::verify_all(&store, &opts).await?;
    store.close().await;
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
            Ok(())
        }
        Err(t) => Err(CommandError::Failed(format!("TAMPERED: {t}"))),
    }
}
