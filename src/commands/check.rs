//! `dxgate check`: validate the whole catalogue without starting anything or writing files.

use std::path::Path;

use super::CommandError;
use crate::config::{redact_url, Overrides};

/// Load everything; on success print a summary, else every problem.
pub async fn check(dir: &Path) -> Result<(), CommandError> {
    let loaded = crate::config::load(dir, &Overrides::from_env()).map_err(CommandError::Config)?;
    // The checkpoint key is checked too: a mounted key that does not parse would stop `serve`.
    let key_path = &loaded.settings.audit.signing_key;
    let key = match crate::audit::note::load_key(key_path) {
        Ok(Some(k)) => format!("checkpoint key {}", k.verifier_key()),
        Ok(None) => format!(
            "no checkpoint key yet ({} is created on first start)",
            key_path.display()
        ),
        Err(e) => return Err(CommandError::Failed(format!("checkpoint signing key: {e}"))),
    };
    let c = &loaded.catalog;
    let secrets: usize = c.secrets.values().map(|m| m.len()).sum();
    println!(
        "ok: {} agencies, {} datasets, {} schemas, {} consumers, {} state-secret entries, {} units and {} mandates in the register; store {}; {key}",
        c.agencies.len(),
        c.dataset_count(),
        c.schemas.len(),
        c.consumers.len(),
        secrets,
        c.register.units.len(),
        c.register.mandates.len(),
        redact_url(&loaded.store_url)
    );
    Ok(())
}
