//! How one node's writer runs: its chain, batch and queue sizes, and checkpoint signing.

use std::time::Duration;

use super::super::note::{NoteSigner, NoteVerifier};

/// When and how the writer signs checkpoints.
#[derive(Debug, Clone)]
pub struct CheckpointPolicy {
    pub signer: NoteSigner,
    /// Origin prefix; each chain's origin is `<prefix>/<node id>`.
    pub origin: String,
    /// Sign after this many new records (inside the batch's transaction).
    pub every: u64,
    /// Sign pending records after this long without a checkpoint.
    pub interval: Duration,
    /// Where the writer keeps a copy of its latest checkpoint, outside the store
    /// (`crate::audit::anchor`); `None`: only what it signed in this process anchors it.
    pub anchor_dir: Option<std::path::PathBuf>,
    /// Other keys whose signature on the anchor file is accepted (`[audit] trusted_keys`: keys
    /// retired by `dxgate audit rotate-key`, on a replica whose anchors were not re-signed).
    pub trusted: Vec<NoteVerifier>,
    /// A chain with records but no anchor file is anchored as stored instead of refused
    /// (`[audit] bootstrap_anchor`: the first start after upgrading from a release without
    /// anchors). `false`: it is unanchored until `dxgate audit reanchor`.
    pub bootstrap_anchor: bool,
}

/// How to run one node's writer.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    pub node_id: String,
    pub batch_max: usize,
    pub queue_capacity: usize,
    /// `None`: no checkpoints (tests and tools only).
    pub checkpoints: Option<CheckpointPolicy>,
}
