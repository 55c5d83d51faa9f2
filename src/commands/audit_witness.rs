//! `dxgate audit witness`: a witness process, run by a third party that does not trust the
//! gateway's operator. It polls one or more gateways, checks each chain's new checkpoint is
//! signed by the log's published key and consistent (RFC 6962 proof) with the last one it
//! cosigned, cosigns it (C2SP tlog-cosignature) and hands the cosignature back. Its state (the
//! last cosigned checkpoint per log, `<state>/<origin>.checkpoint`) is its own: a log that
//! shrinks, forks or rewrites history is refused, loudly, and never cosigned again until the
//! witness's operator decides otherwise.

use std::path::{Path, PathBuf};
use std::time::Duration;

use http::{Method, StatusCode};

use super::log_client::{read_saved, write_saved, LogClient};
use super::CommandError;
use crate::audit::checkpoint::Checkpoint;
use crate::audit::cosignature::{split_note, WitnessSigner};

/// How to run a witness.
#[derive(Debug, Clone, clap::Args)]
pub struct WitnessArgs {
    /// A gateway to watch (`http://host:port`); repeatable.
    #[arg(long = "gateway")]
    pub gateways: Vec<String>,
    /// The log's published verifier key (from `dxgate audit key`); repeatable (after a rotation).
    #[arg(long = "log-key")]
    pub log_keys: Vec<String>,
    /// The witness's signing key file (created with mode 0600 if missing).
    #[arg(long)]
    pub key: PathBuf,
    /// The witness's name for a new key (a schema-less URL).
    #[arg(long, default_value = "witness.local/w1")]
    pub name: String,
    /// Directory for the witness's state: the last checkpoint it cosigned per log.
    #[arg(long, default_value = "witness-state")]
    pub state: PathBuf,
    /// Time between polls.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub interval: Duration,
    /// Check and cosign once, then exit (1 if any log was refused).
    #[arg(long)]
    pub once: bool,
    /// Print the witness's verifier key (for the gateway's `[audit] witnesses`) and exit.
    #[arg(long)]
    pub print_key: bool,
}

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::Failed(e.to_string())
}

pub async fn audit_witness(args: &WitnessArgs) -> Result<(), CommandError> {
    let (signer, created) = WitnessSigner::load_or_create(&args.key, &args.name).map_err(failed)?;
    if created {
        eprintln!(
            "dxgate: generated a new witness key at {} (mode 0600)",
            args.key.display()
        );
    }
    if args.print_key {
        println!("{}", signer.verifier_key());
        return Ok(());
    }
    if args.gateways.is_empty() || args.log_keys.is_empty() {
        return Err(failed("give at least one --gateway and one --log-key"));
    }
    let w = Witness {
        log: LogClient::new(&args.log_keys, "--log-key")?,
        signer,
        state: args.state.clone(),
    };
    loop {
        let mut refused = Vec::new();
        for gw in &args.gateways {
            match w.poll(gw.trim_end_matches('/')).await {
                Ok(r) => refused.extend(r),
                Err(e) => tracing::warn!(gateway = %gw, error = %e, "witness could not poll"),
            }
        }
        for r in &refused {
            tracing::error!(target: "dxgate::witness", refused = %r, "REFUSED to cosign");
            eprintln!("REFUSED: {r}");
        }
        if args.once {
            return match refused.is_empty() {
                true => Ok(()),
                false => Err(failed(format!("{} checkpoint(s) refused", refused.len()))),
            };
        }
        tokio::time::sleep(args.interval).await;
    }
}

struct Witness {
    log: LogClient,
    signer: WitnessSigner,
    state: PathBuf,
}

impl Witness {
    /// Check and cosign every chain `gw` serves; the refusals, described.
    async fn poll(&self, gw: &str) -> Result<Vec<String>, String> {
        let mut refused = Vec::new();
        for (node, note) in self.log.checkpoints(gw).await? {
            match self.check(gw, &node, &note).await {
                Ok(()) => self.cosign(gw, &node, &note).await?,
                Err(why) => refused.push(format!("{gw} chain {node}: {why}")),
            }
        }
        Ok(refused)
    }

    /// Why `note` must not be cosigned, if it must not.
    async fn check(&self, gw: &str, node: &str, note: &str) -> Result<(), String> {
        let new = self.log.open(note, node)?;
        match read_saved(&state_file(&self.state, &new.origin))? {
            // The first checkpoint seen of this log: trusted on first use.
            None => Ok(()),
            Some((old, _)) => self.log.extends(gw, node, &old, &new).await,
        }
    }

    /// Cosign `note`, remember it, and hand the cosignature to the gateway.
    async fn cosign(&self, gw: &str, node: &str, note: &str) -> Result<(), String> {
        let (text, _) = split_note(note).ok_or("not a note")?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let cosigned = format!("{note}{}", self.signer.cosign(text, now));
        let origin = Checkpoint::parse(text).map_err(|e| e.to_string())?.origin;
        write_saved(&state_file(&self.state, &origin), &cosigned).map_err(|e| e.to_string())?;
        let url = format!("{gw}/v1/audit/checkpoint/{node}/cosignatures");
        let (status, body) = self.log.http(Method::POST, &url, Some(cosigned)).await?;
        if status != StatusCode::CREATED {
            let why = String::from_utf8_lossy(&body);
            tracing::warn!(gateway = %gw, node, %status, %why, "the gateway did not take the cosignature");
        }
        Ok(())
    }
}

/// `<state>/<origin with every character but letters, digits, '.', '-' as '_'>.checkpoint`.
fn state_file(dir: &Path, origin: &str) -> PathBuf {
    let name: String = origin
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                true => c,
                false => '_',
            },
        )
        .collect();
    dir.join(format!("{name}.checkpoint"))
}
