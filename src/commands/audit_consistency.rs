//! `dxgate audit check-consistency`: a party that does not control a log (a consumer, a
//! citizen's lawyer, a journalist) checks that a gateway's log today still extends the
//! checkpoint it kept, with the log's verifier key taken out of band. It fetches the chain's
//! current signed checkpoint, fetches the RFC 6962 consistency proof from the kept size and
//! checks it; on success it keeps the new checkpoint in place of the old one (the next check
//! starts there), on a rewritten log it exits 1 and keeps the old one (the evidence).

use std::path::PathBuf;

use http::{Method, StatusCode};

use super::log_client::{read_saved, write_saved, LogClient};
use super::CommandError;

/// What to check.
#[derive(Debug, Clone, clap::Args)]
pub struct ConsistencyArgs {
    /// The gateway (`https://host:port`).
    #[arg(long)]
    pub gateway: String,
    /// The log's verifier key (from `dxgate audit key`, published out of band), or a file
    /// holding it; repeatable (after a rotation).
    #[arg(long = "key", required = true)]
    pub keys: Vec<String>,
    /// The checkpoint kept from the last check (a note; cosigned notes as served by
    /// `/cosigned` are fine). Created on first use (trusted on first use: compare it with a
    /// checkpoint obtained another way, or a witness's).
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The chain (node id); needed when the gateway serves several chains and there is no
    /// kept checkpoint yet (its origin names the chain).
    #[arg(long)]
    pub node: Option<String>,
}

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::Failed(e.to_string())
}

pub async fn audit_check_consistency(args: &ConsistencyArgs) -> Result<(), CommandError> {
    let keys = (args.keys.iter())
        .map(|k| match std::fs::read_to_string(k) {
            Ok(text) => text.trim().to_owned(),
            Err(_) => k.clone(),
        })
        .collect::<Vec<_>>();
    let log = LogClient::new(&keys, "--key")?;
    let gw = args.gateway.trim_end_matches('/');
    let old = read_saved(&args.checkpoint).map_err(failed)?;
    let node = match (&args.node, &old) {
        (Some(n), _) => n.clone(),
        (None, Some((c, _))) => c.origin.rsplit('/').next().unwrap_or_default().to_owned(),
        (None, None) => match log.checkpoints(gw).await.map_err(failed)?.as_slice() {
            [(node, _)] => node.clone(),
            chains => {
                let names: Vec<&str> = chains.iter().map(|(n, _)| n.as_str()).collect();
                return Err(failed(format!(
                    "the gateway serves chains {names:?}: say which with --node"
                )));
            }
        },
    };
    let url = format!("{gw}/v1/audit/checkpoint/{node}");
    let (status, body) = log.http(Method::GET, &url, None).await.map_err(failed)?;
    if status != StatusCode::OK {
        return Err(failed(format!("{url}: HTTP {status}")));
    }
    let note = String::from_utf8_lossy(&body).into_owned();
    let new = log.open(&note, &node).map_err(failed)?;
    let save = |what: String| {
        write_saved(&args.checkpoint, &note)
            .map_err(|e| failed(format!("{}: {e}", args.checkpoint.display())))?;
        println!("{what}; kept in {}", args.checkpoint.display());
        Ok(())
    };
    let Some((_, kept)) = old else {
        return save(format!(
            "first checkpoint of {} (size {}), trusted on first use",
            new.origin, new.size
        ));
    };
    let old = log
        .open(&kept, &node)
        .map_err(|e| failed(format!("{}: {e}", args.checkpoint.display())))?;
    if let Err(why) = log.extends(gw, &node, &old, &new).await {
        return Err(failed(format!(
            "REWRITTEN: {gw} chain {node}: {why}; {} still holds the size {} checkpoint",
            args.checkpoint.display(),
            old.size
        )));
    }
    save(format!(
        "consistent: {} at size {} extends the kept size {} (RFC 6962 proof checked)",
        new.origin, new.size, old.size
    ))
}
