//! `dxgate ranking freeze-edition --date D` (freeze and sign the official edition of a finished
//! day, as the gateway's background task does for yesterday) and `dxgate ranking
//! verify-edition FILE [--key KEY]` (check an edition file offline: exit 0, or 1 with why).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::CommandError;
use crate::audit::note::{load_key, NoteVerifier};
use crate::audit::{now_ms, Store};
use crate::ranking::{edition, Service};

/// Options of `dxgate ranking freeze-edition`.
#[derive(Debug, Clone, clap::Args)]
pub struct FreezeArgs {
    /// The day to freeze, YYYY-MM-DD in [ranking] timezone; it must be over there.
    #[arg(long)]
    pub date: String,
}

/// Options of `dxgate ranking verify-edition`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyEditionArgs {
    /// The edition file (GET /public/ranking/editions/{date}.json).
    pub file: PathBuf,
    /// Trust only this verifier key (`<name>+<hash>+<key>`, the published one); repeatable.
    /// Without it: [audit] trusted_keys of --config, else the key next to the store.
    #[arg(long = "key")]
    pub keys: Vec<String>,
}

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::Failed(e.to_string())
}

pub async fn freeze_edition(dir: &Path, args: &FreezeArgs) -> Result<(), CommandError> {
    let date =
        crate::calendar::parse_date(&args.date).map_err(|e| failed(format!("--date {e}")))?;
    let loaded = crate::config::load(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let audit = &loaded.settings.audit;
    let signer = load_key(&audit.signing_key).map_err(failed)?.ok_or_else(|| {
        failed(format!(
            "no checkpoint signing key at {}: editions are signed with it (`dxgate serve` creates it)",
            audit.signing_key.display()
        ))
    })?;
    let origin = audit.origin.clone();
    let store = Store::open(&loaded.store_url).await?;
    let service = Service::new(
        store.clone(),
        Arc::new(loaded.catalog),
        loaded.settings.ranking.clone(),
    )
    .with_edition_signer(signer, origin);
    let frozen = service.freeze_edition(date, now_ms()).await;
    store.close().await;
    if frozen.map_err(failed)? {
        println!("edition {date} frozen and signed: /public/ranking/editions/{date}");
    } else {
        println!("edition {date} was already frozen (editions never change)");
    }
    Ok(())
}

pub async fn verify_edition(dir: &Path, args: &VerifyEditionArgs) -> Result<(), CommandError> {
    let file =
        std::fs::read(&args.file).map_err(|e| failed(format!("{}: {e}", args.file.display())))?;
    let mut keys = Vec::new();
    for k in &args.keys {
        keys.push(NoteVerifier::parse(k).map_err(|e| failed(format!("--key {k:?}: {e}")))?);
    }
    if keys.is_empty() {
        let (settings, _) =
            crate::config::load_settings(dir, &crate::config::Overrides::from_env())
                .map_err(CommandError::Config)?;
        for k in &settings.audit.trusted_keys {
            keys.push(NoteVerifier::parse(k).map_err(|e| failed(format!("key {k:?}: {e}")))?);
        }
        if keys.is_empty() {
            if let Some(s) = load_key(&settings.audit.signing_key).map_err(failed)? {
                eprintln!("WARNING: no verifier key given (--key or [audit] trusted_keys): checking against the key next to the store only");
                keys.push(s.verifier());
            }
        }
    }
    match edition::verify(&file, &keys) {
        Ok(v) => {
            println!(
                "ok: edition {} ({}, methodology {}), sha256 {}, signed by {}",
                v.facts.date,
                v.facts.timezone,
                v.facts.methodology,
                v.facts.sha256.to_hex(),
                v.key
            );
            Ok(())
        }
        Err(e) => Err(failed(format!(
            "{} does NOT verify: {e}",
            args.file.display()
        ))),
    }
}
