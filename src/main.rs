//! The `dxgate` binary: parse the command line, start the runtime, run a subcommand.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use dxgate::commands::{
    ConsistencyArgs, ConsumerAddArgs, DemoTrafficArgs, FreezeArgs, InitArgs, RankingArgs,
    ReportArgs, VerifyArgs, VerifyEditionArgs, WitnessArgs,
};
use dxgate::telemetry::LogFormat;

/// mimalloc: the request path allocates many small, short-lived buffers; glibc malloc showed up
/// at ~10% of CPU in profiles under load (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// dxgate — the data-sharing compliance gateway.
#[derive(Parser)]
#[command(name = "dxgate", version, about)]
struct Cli {
    /// Log lines on stderr: pretty when stderr is a terminal, JSON otherwise (auto), or always
    /// one of them.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        env = "DXGATE_LOG_FORMAT"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// `--config DIR`, shared by every subcommand that reads the configuration.
#[derive(Args)]
struct Config {
    /// Configuration directory.
    #[arg(long = "config", value_name = "CONFIG", default_value = ".")]
    dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway on DIR's dxgate.toml, policies/ and schemas/.
    Serve {
        #[command(flatten)]
        config: Config,
    },
    /// Validate the whole catalogue; exit 1 listing every problem.
    Check {
        #[command(flatten)]
        config: Config,
    },
    /// Run the demo agency HTTP APIs the bundled catalogue's HTTP datasets point at.
    DemoAgencies {
        #[command(flatten)]
        config: Config,
    },
    /// Drive realistic traffic from many demo consumers through a running gateway (every
    /// record a real request's), so a fresh demo's ranking and pages have figures.
    DemoTraffic(DemoTrafficArgs),
    /// Compute the readiness ranking from the store and print it; freeze and verify its
    /// dated official editions.
    #[command(args_conflicts_with_subcommands = true)]
    Ranking {
        #[command(subcommand)]
        command: Option<RankingCommand>,
        #[command(flatten)]
        config: Config,
        #[command(flatten)]
        args: RankingArgs,
    },
    /// Reports for the national board.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a minimal working configuration directory to start from.
    ///
    /// One example agency and dataset (a seeded SQLite source), its schemas, and one consumer
    /// whose API key is printed once. DIR must be new or empty.
    Init(InitArgs),
    /// Manage consumers in policies/consumers.toml.
    Consumer {
        #[command(subcommand)]
        command: ConsumerCommand,
    },
    /// Print a shell completion script: `source <(dxgate completions bash)`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum RankingCommand {
    /// Freeze and sign the official edition of a finished day (the gateway does this for
    /// yesterday by itself).
    FreezeEdition {
        #[command(flatten)]
        config: Config,
        #[command(flatten)]
        args: FreezeArgs,
    },
    /// Check an edition file offline: exit 0, or 1 saying why it does not verify.
    VerifyEdition {
        #[command(flatten)]
        config: Config,
        #[command(flatten)]
        args: VerifyEditionArgs,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The daily monitoring report: per unit, mandates due and overdue (six clear fields),
    /// newly connected datasets, refusals, unjustified refusals, review backlog.
    Daily {
        #[command(flatten)]
        config: Config,
        #[command(flatten)]
        args: ReportArgs,
    },
}

#[derive(Subcommand)]
enum ConsumerCommand {
    /// Add a consumer with a fresh API key: the key is printed once, its SHA-256 appended to
    /// policies/consumers.toml (comments and layout kept).
    Add {
        #[command(flatten)]
        args: ConsumerAddArgs,
        #[command(flatten)]
        config: Config,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify every hash chain, Merkle tree and checkpoint signature; exit 1 naming the first
    /// bad record or checkpoint.
    Verify {
        #[command(flatten)]
        config: Config,
        #[command(flatten)]
        args: VerifyArgs,
    },
    /// Print the checkpoint verifier key (creating the signing key if missing).
    Key {
        #[command(flatten)]
        config: Config,
    },
    /// Move each chain's records from before DATE into segment files; the chain stays whole.
    Archive {
        #[command(flatten)]
        config: Config,
        /// UTC date YYYY-MM-DD; records before it are archived (whole 256-record blocks).
        #[arg(long)]
        before: String,
    },
    /// Accept NODE's chain as stored now after its writer refused it (it no longer extended
    /// the writer's signed checkpoints): the old anchor is kept aside, a new checkpoint signed.
    Reanchor {
        #[command(flatten)]
        config: Config,
        /// The chain (node id) to re-anchor.
        #[arg(long)]
        node: String,
        /// Why the stored chain is accepted (logged).
        #[arg(long)]
        reason: String,
    },
    /// Print the keyed hash a record shows for a payload (a query string such as
    /// `citizen_id=001`, or a body on standard input), with its scheme. Needs the payload key.
    HashPayload {
        #[command(flatten)]
        config: Config,
        /// The payload; without it, standard input is read.
        #[arg(long)]
        text: Option<String>,
    },
    /// Run a witness: poll gateways, check each checkpoint is consistent with the last one
    /// cosigned, cosign it (C2SP tlog-cosignature) and hand the cosignature back.
    Witness(WitnessArgs),
    /// Check, without controlling the log, that a gateway's chain today extends the checkpoint
    /// kept from the last check (RFC 6962 consistency proof); exit 1 on a rewritten log.
    CheckConsistency(ConsistencyArgs),
    /// Replace the checkpoint signing key: the old one is kept and trusted for verification,
    /// anchors are re-signed. Restart every replica afterwards.
    RotateKey {
        #[command(flatten)]
        config: Config,
    },
    /// Check an inclusion proof (JSON from GET /v1/audit/inclusion/{id}) offline.
    CheckInclusion {
        /// The proof file.
        proof: PathBuf,
        /// The verifier key to trust (default: the one inside the proof — check it!).
        #[arg(long)]
        key: Option<String>,
        /// A witness's verifier key: its cosignature of the checkpoint is required; repeatable.
        #[arg(long = "witness")]
        witnesses: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "dxgate", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let otel = dxgate::telemetry::init(cli.log_format);
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
        use dxgate::commands;
        match cli.command {
            Command::Serve { config } => commands::serve(&config.dir, &otel).await,
            Command::Check { config } => commands::check(&config.dir).await,
            Command::DemoAgencies { config } => commands::demo_agencies(&config.dir).await,
            Command::DemoTraffic(args) => commands::demo_traffic(&args).await,
            Command::Ranking {
                command: None,
                config,
                args,
            } => commands::ranking(&config.dir, &args).await,
            Command::Ranking {
                command: Some(RankingCommand::FreezeEdition { config, args }),
                ..
            } => commands::freeze_edition(&config.dir, &args).await,
            Command::Ranking {
                command: Some(RankingCommand::VerifyEdition { config, args }),
                ..
            } => commands::verify_edition(&config.dir, &args).await,
            Command::Report {
                command: ReportCommand::Daily { config, args },
            } => commands::report_daily(&config.dir, &args).await,
            Command::Init(args) => commands::init(&args),
            Command::Consumer {
                command: ConsumerCommand::Add { args, config },
            } => commands::consumer_add(&config.dir, &args),
            Command::Completions { .. } => Ok(()),
            Command::Audit { command } => match command {
                AuditCommand::Verify { config, args } => {
                    commands::audit_verify(&config.dir, &args).await
                }
                AuditCommand::Key { config } => commands::audit_key(&config.dir).await,
                AuditCommand::Archive { config, before } => {
                    commands::audit_archive(&config.dir, &before).await
                }
                AuditCommand::Reanchor {
                    config,
                    node,
                    reason,
                } => commands::audit_reanchor(&config.dir, &node, &reason).await,
                AuditCommand::HashPayload { config, text } => {
                    commands::audit_hash_payload(&config.dir, text.as_deref()).await
                }
                AuditCommand::Witness(args) => commands::audit_witness(&args).await,
                AuditCommand::CheckConsistency(args) => {
                    commands::audit_check_consistency(&args).await
                }
                AuditCommand::RotateKey { config } => commands::audit_rotate_key(&config.dir).await,
                AuditCommand::CheckInclusion {
                    proof,
                    key,
                    witnesses,
                } => commands::audit_check_inclusion(&proof, key.as_deref(), &witnesses),
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
