//! The CLI subcommands. Each returns an [`ExitCode`]-worthy result and prints for humans.

mod api_key;
mod audit_anchor;
mod audit_consistency;
mod audit_rotate;
mod audit_tools;
mod audit_verify;
mod audit_witness;
mod check;
mod consumer;
mod demo_agencies;
mod demo_traffic;
mod edition;
mod init;
mod log_client;
mod progress_bar;
mod ranking;
mod report;
mod serve;

pub use audit_anchor::audit_reanchor;
pub use audit_consistency::{audit_check_consistency, ConsistencyArgs};
pub use audit_rotate::audit_rotate_key;
pub use audit_tools::{audit_archive, audit_check_inclusion, audit_hash_payload, audit_key};
pub use audit_verify::{audit_verify, VerifyArgs};
pub use audit_witness::{audit_witness, WitnessArgs};
pub use check::check;
pub use consumer::{consumer_add, ConsumerAddArgs, RoleArg};
pub use demo_agencies::demo_agencies;
pub use demo_traffic::{demo_traffic, DemoTrafficArgs};
pub use edition::{freeze_edition, verify_edition, FreezeArgs, VerifyEditionArgs};
pub use init::{init, InitArgs};
pub use ranking::{ranking, RankingArgs};
pub use report::{report_daily, ReportArgs};
pub use serve::{serve, shutdown_signal};

/// A command failed; the message is for the operator.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("the configuration has {n} problem(s):\n{0}", n = .0.len())]
    Config(crate::config::Diagnostics),
    #[error(transparent)]
    Store(#[from] crate::audit::StoreError),
    #[error(transparent)]
    Start(#[from] crate::gateway::StartError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Failed(String),
}
