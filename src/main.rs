//! The `dxgate` binary: parse the command line, start the runtime, run a subcommand.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the request path allocates many small, short-lived buffers; glibc malloc showed up
/// at ~10% of CPU in profiles under load (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// dxgate — the data-sharing compliance gateway.
#[derive(Parser)]
#[command(name = "dxgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway on DIR's dxgate.toml, policies/ and schemas/.
    Serve {
        /// Configuration directory.
        #[arg(long, default_value = ".")]
        config: PathBuf,
    },
    /// Validate the whole catalogue; exit 1 listing every problem.
    Check {
        #[arg(long, default_value = ".")]
        config: PathBuf,
    },
    /// Run the demo agency HTTP APIs the bundled catalogue's HTTP datasets point at.
    DemoAgencies {
        #[arg(long, default_value = ".")]
        config: PathBuf,
    },
    /// Compute the readiness ranking from the store and print it.
    Ranking {
        #[arg(long, default_value = ".")]
        config: PathBuf,
        /// Output format: table, json or csv.
        #[arg(long, default_value = "table")]
        format: String,
        /// Window in whole days, e.g. 30d (default: [ranking] window, 90d).
        #[arg(long)]
        window: Option<String>,
        /// Drop the rollups and recompute them from the raw audit records first.
        #[arg(long)]
        rebuild: bool,
        /// Check the rollups against a full recompute from the raw records; exit 1 if they differ.
        #[arg(long)]
        verify: bool,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify every hash chain, Merkle tree and checkpoint signature; exit 1 naming the first
    /// bad record or checkpoint.
    Verify {
        #[arg(long, default_value = ".")]
        config: PathBuf,
        /// Also trust this verifier key (`<name>+<hash>+<key>`); repeatable.
        #[arg(long = "key")]
        keys: Vec<String>,
        /// A checkpoint note saved earlier: the log must still contain it; repeatable.
        #[arg(long = "checkpoint")]
        checkpoints: Vec<PathBuf>,
        /// Re-read and check the archived segment files too.
        #[arg(long)]
        archive_files: bool,
        /// Only walk records after each chain's last signed checkpoint before this UTC date
        /// (YYYY-MM-DD); the checkpoint vouches for the rest.
        #[arg(long)]
        since: Option<String>,
    },
    /// Print the checkpoint verifier key (creating the signing key if missing).
    Key {
        #[arg(long, default_value = ".")]
        config: PathBuf,
    },
    /// Move each chain's records from before DATE into segment files; the chain stays whole.
    Archive {
        #[arg(long, default_value = ".")]
        config: PathBuf,
        /// UTC date YYYY-MM-DD; records before it are archived (whole 256-record blocks).
        #[arg(long)]
        before: String,
    },
    /// Check an inclusion proof (JSON from GET /v1/audit/inclusion/{id}) offline.
    CheckInclusion {
        /// The proof file.
        proof: PathBuf,
        /// The verifier key to trust (default: the one inside the proof — check it!).
        #[arg(long)]
        key: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let otel = dxgate::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dxgate: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { config } => dxgate::commands::serve(&config, &otel).await,
            Command::Check { config } => dxgate::commands::check(&config).await,
            Command::DemoAgencies { config } => dxgate::commands::demo_agencies(&config).await,
            Command::Ranking {
                config,
                format,
                window,
                rebuild,
                verify,
            } => {
                let args = dxgate::commands::RankingArgs {
                    format,
                    window,
                    rebuild,
                    verify,
                };
                dxgate::commands::ranking(&config, &args).await
            }
            Command::Audit { command } => match command {
                AuditCommand::Verify {
                    config,
                    keys,
                    checkpoints,
                    archive_files,
                    since,
                } => {
                    let args = dxgate::commands::VerifyArgs {
                        keys,
                        checkpoints,
                        archive_files,
                        since,
                    };
                    dxgate::commands::audit_verify(&config, &args).await
                }
                AuditCommand::Key { config } => dxgate::commands::audit_key(&config).await,
                AuditCommand::Archive { config, before } => {
                    dxgate::commands::audit_archive(&config, &before).await
                }
                AuditCommand::CheckInclusion { proof, key } => {
                    dxgate::commands::audit_check_inclusion(&proof, key.as_deref())
                }
            },
        }
    });
    // Flush exporters before the runtime goes away.
    drop(otel);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dxgate: {e}");
            ExitCode::FAILURE
        }
    }
}
