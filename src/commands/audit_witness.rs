//! `dxgate audit witness`: a witness process, run by a third party that does not trust the
//! gateway's operator. It polls one or more gateways, checks each chain's new checkpoint is
//! signed by the log's published key and consistent (RFC 6962 proof) with the last one it
//! cosigned, cosigns it (C2SP tlog-cosignature) and hands the cosignature back. Its state (the
//! last cosigned checkpoint per log, `<state>/<origin>.checkpoint`) is its own: a log that
//! shrinks, forks or rewrites history is refused, loudly, and never cosigned again until the
//! witness's operator decides otherwise.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use serde_json::Value;

use super::CommandError;
use crate::audit::checkpoint::Checkpoint;
use crate::audit::consistency;
use crate::audit::cosignature::{split_note, WitnessSigner};
use crate::audit::note::NoteVerifier;
use crate::audit::Digest;
use crate::source::{UpstreamClient, UpstreamClients, UpstreamTls};

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
    let keys = (args.log_keys.iter())
        .map(|k| NoteVerifier::parse(k).map_err(|e| failed(format!("--log-key {k:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let client = UpstreamClients::default()
        .get(&UpstreamTls::default())
        .map_err(failed)?;
    let w = Witness {
        client,
        keys,
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
    client: UpstreamClient,
    keys: Vec<NoteVerifier>,
    signer: WitnessSigner,
    state: PathBuf,
}

impl Witness {
    /// Check and cosign every chain `gw` serves; the refusals, described.
    async fn poll(&self, gw: &str) -> Result<Vec<String>, String> {
        let (status, body) = self
            .http(Method::GET, &format!("{gw}/v1/audit/checkpoint"), None)
            .await?;
        if status != StatusCode::OK {
            return Err(format!("checkpoints: HTTP {status}"));
        }
        let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        let mut refused = Vec::new();
        for c in v["checkpoints"].as_array().into_iter().flatten() {
            let (Some(node), Some(note)) = (c["node_id"].as_str(), c["note"].as_str()) else {
                continue;
            };
            match self.check(gw, node, note).await {
                Ok(()) => self.cosign(gw, node, note).await?,
                Err(why) => refused.push(format!("{gw} chain {node}: {why}")),
            }
        }
        Ok(refused)
    }

    /// Why `note` must not be cosigned, if it must not.
    async fn check(&self, gw: &str, node: &str, note: &str) -> Result<(), String> {
        let new = Checkpoint::open_any(note, &self.keys)
            .map_err(|e| format!("not signed by the log's key: {e}"))?;
        if !new.origin.ends_with(&format!("/{node}")) {
            return Err(format!("origin {} is not chain {node}", new.origin));
        }
        let Some(old) = self.last(&new.origin)? else {
            return Ok(()); // The first checkpoint seen of this log: trusted on first use.
        };
        if new.size < old.size {
            return Err(format!(
                "the log shrank: size {} after {} was cosigned",
                new.size, old.size
            ));
        }
        if new.size == old.size {
            return match new.root == old.root {
                true => Ok(()),
                false => Err(format!(
                    "a second root at size {}: the log forked",
                    new.size
                )),
            };
        }
        let url = format!(
            "{gw}/v1/audit/consistency/{node}?from={}&to={}",
            old.size, new.size
        );
        let (status, body) = self.http(Method::GET, &url, None).await?;
        if status != StatusCode::OK {
            return Err(format!(
                "no consistency proof from {} to {} (HTTP {status})",
                old.size, new.size
            ));
        }
        let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        let proof = (v["proof"].as_array().into_iter().flatten())
            .map(|h| h.as_str().and_then(|h| Digest::from_hex(h).ok()))
            .collect::<Option<Vec<Digest>>>()
            .ok_or("a malformed consistency proof")?;
        if !consistency::verify(old.size, new.size, &old.root, &new.root, &proof) {
            return Err(format!(
                "size {} is not consistent with the size {} cosigned earlier: history was rewritten",
                new.size, old.size
            ));
        }
        Ok(())
    }

    /// Cosign `note`, remember it, and hand the cosignature to the gateway.
    async fn cosign(&self, gw: &str, node: &str, note: &str) -> Result<(), String> {
        let (text, _) = split_note(note).ok_or("not a note")?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let cosigned = format!("{note}{}", self.signer.cosign(text, now));
        let origin = Checkpoint::parse(text).map_err(|e| e.to_string())?.origin;
        write_state(&state_file(&self.state, &origin), &cosigned).map_err(|e| e.to_string())?;
        let url = format!("{gw}/v1/audit/checkpoint/{node}/cosignatures");
        let (status, body) = self.http(Method::POST, &url, Some(cosigned)).await?;
        if status != StatusCode::CREATED {
            let why = String::from_utf8_lossy(&body);
            tracing::warn!(gateway = %gw, node, %status, %why, "the gateway did not take the cosignature");
        }
        Ok(())
    }

    /// The last checkpoint this witness cosigned of `origin`.
    fn last(&self, origin: &str) -> Result<Option<Checkpoint>, String> {
        let path = state_file(&self.state, origin);
        let note = match std::fs::read_to_string(&path) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let text = split_note(&note).map_or(note.as_str(), |(t, _)| t);
        Checkpoint::parse(text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    async fn http(
        &self,
        method: Method,
        url: &str,
        body: Option<String>,
    ) -> Result<(StatusCode, Bytes), String> {
        let req = Request::builder()
            .method(method)
            .uri(url)
            .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let resp = self.client.request(req).await.map_err(|e| e.to_string())?;
            let status = resp.status();
            let body = Limited::new(resp.into_body(), 4 << 20)
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(Duration::from_secs(30), exchange)
            .await
            .map_err(|_| format!("{url}: no answer within 30 s"))?
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

fn write_state(path: &Path, note: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, note)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(tmp, path)
}
