//! `dxgate audit verify`: recompute every node's hash chain; exit 1 naming the first bad record.

use std::path::Path;

use super::CommandError;
use crate::audit::{verify, Store};

pub async fn audit_verify(dir: &Path) -> Result<(), CommandError> {
    let (_, url) = crate::config::load_settings(dir).map_err(CommandError::Config)?;
    let store = Store::open(&url).await?;
    let result = verify::verify_all(&store).await?;
    store.close().await;
    match result {
        Ok(chains) => {
            let total: i64 = chains.iter().map(|c| c.records).sum();
            for c in &chains {
                println!(
                    "chain {}: {} records, head {}",
                    c.node_id, c.records, c.head_hash
                );
            }
            println!("ok: {} chain(s), {total} records verified", chains.len());
            Ok(())
        }
        Err(t) => Err(CommandError::Failed(format!("TAMPERED: {t}"))),
    }
}
