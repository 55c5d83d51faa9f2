//! What a party that does not control a log needs to check it: fetch a gateway's signed
//! checkpoints, open them with verifier keys taken out of band, and check (RFC 6962 consistency
//! proof) that a new checkpoint extends one kept earlier. Shared by `dxgate audit witness` and
//! `dxgate audit check-consistency`; checkpoint files are kept with [`read_saved`] and
//! [`write_saved`].

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use serde_json::Value;

use super::CommandError;
use crate::audit::checkpoint::Checkpoint;
use crate::audit::consistency;
use crate::audit::cosignature::split_note;
use crate::audit::note::NoteVerifier;
use crate::audit::Digest;
use crate::source::{UpstreamClient, UpstreamClients, UpstreamTls};

/// An HTTP client of gateways that trusts only the log keys it was given.
pub(super) struct LogClient {
    client: UpstreamClient,
    keys: Vec<NoteVerifier>,
}

impl LogClient {
    /// A client trusting `keys` (verifier key texts; `what` names the option for errors).
    pub fn new(keys: &[String], what: &str) -> Result<LogClient, CommandError> {
        let keys = (keys.iter())
            .map(|k| {
                NoteVerifier::parse(k.trim())
                    .map_err(|e| CommandError::Failed(format!("{what} {k:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let client = UpstreamClients::default()
            .get(&UpstreamTls::default())
            .map_err(|e| CommandError::Failed(e.to_string()))?;
        Ok(LogClient { client, keys })
    }

    /// Every chain's latest signed note at `gw`: (node id, note).
    pub async fn checkpoints(&self, gw: &str) -> Result<Vec<(String, String)>, String> {
        let (status, body) = self
            .http(Method::GET, &format!("{gw}/v1/audit/checkpoint"), None)
            .await?;
        if status != StatusCode::OK {
            return Err(format!("{gw}/v1/audit/checkpoint: HTTP {status}"));
        }
        let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok((v["checkpoints"].as_array().into_iter().flatten())
            .filter_map(|c| Some((c["node_id"].as_str()?.into(), c["note"].as_str()?.into())))
            .collect())
    }

    /// `note` opened with a trusted key, and checked to be chain `node`'s.
    pub fn open(&self, note: &str, node: &str) -> Result<Checkpoint, String> {
        let c = Checkpoint::open_any(note, &self.keys)
            .map_err(|e| format!("not signed by the log's key: {e}"))?;
        match c.origin.ends_with(&format!("/{node}")) {
            true => Ok(c),
            false => Err(format!("origin {} is not chain {node}", c.origin)),
        }
    }

    /// Why `new` (chain `node` at `gw`) does not extend `old`, if it does not.
    pub async fn extends(
        &self,
        gw: &str,
        node: &str,
        old: &Checkpoint,
        new: &Checkpoint,
    ) -> Result<(), String> {
        if new.origin != old.origin {
            return Err(format!("origin {} is not {}", new.origin, old.origin));
        }
        if new.size < old.size {
            return Err(format!(
                "the log shrank: size {} after size {} was seen",
                new.size, old.size
            ));
        }
        if new.size == old.size || old.size == 0 {
            return match new.root == old.root || old.size == 0 {
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
        match consistency::verify(old.size, new.size, &old.root, &new.root, &proof) {
            true => Ok(()),
            false => Err(format!(
                "size {} is not consistent with the size {} seen earlier: history was rewritten",
                new.size, old.size
            )),
        }
    }

    /// One exchange with a gateway, bounded to 30 s and 4 MiB.
    pub async fn http(
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

/// The checkpoint kept in `path` (a note, cosigned or not) and the note, or `None` if there is
/// no file yet. Its signatures are not checked here: [`LogClient::open`] does that.
pub(super) fn read_saved(path: &Path) -> Result<Option<(Checkpoint, String)>, String> {
    let note = match std::fs::read_to_string(path) {
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let text = split_note(&note).map_or(note.as_str(), |(t, _)| t);
    match Checkpoint::parse(text) {
        Ok(c) => Ok(Some((c, note))),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Keep `note` in `path`, atomically (write, sync, rename).
pub(super) fn write_saved(path: &Path, note: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, note)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(tmp, path)
}
