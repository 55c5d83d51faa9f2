//! `dxgate ranking`: roll the audit log up, then print the ranking as a table, JSON or CSV.

use std::path::Path;

use super::CommandError;
use crate::audit::{now_ms, Store};
use crate::calendar;
use crate::ranking::rollup::ConsumerAgencies;
use crate::ranking::{engine, inputs, parse_window, render, rollup_store};

/// Options of `dxgate ranking` (their docs are its `--help`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RankingArgs {
    /// Output format: table, json or csv.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Window in whole days, e.g. 30d (default: [ranking] window, 90d).
    #[arg(long)]
    pub window: Option<String>,
    /// Drop the rollups and recompute them from the raw audit records first.
    #[arg(long)]
    pub rebuild: bool,
    /// Check the rollups against a full recompute from the raw records; exit 1 if they differ.
    #[arg(long)]
    pub verify: bool,
}

pub async fn ranking(dir: &Path, args: &RankingArgs) -> Result<(), CommandError> {
    if !matches!(args.format.as_str(), "table" | "json" | "csv") {
        return Err(CommandError::Failed(format!(
            "--format {:?}: use table, json or csv",
            args.format
        )));
    }
    let loaded = crate::config::load(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let settings = &loaded.settings.ranking;
    let days = match &args.window {
        Some(w) => parse_window(w).map_err(|e| CommandError::Failed(e.to_string()))?,
        None => calendar::whole_days(settings.window).clamp(1, 400) as u32,
    };
    let store = Store::open(&loaded.store_url).await?;
    let agencies = ConsumerAgencies::from_catalog(&loaded.catalog).in_zone(&settings.timezone);
    let failed = |e: crate::ranking::RankingError| CommandError::Failed(e.to_string());
    if args.rebuild {
        rollup_store::rebuild(&store, &agencies)
            .await
            .map_err(failed)?;
    }
    let bar = super::progress_bar::Bar::new(if args.rebuild { "rebuild" } else { "roll up" });
    let done = rollup_store::catch_up_with(&store, &agencies, None, &bar)
        .await
        .map_err(failed)?;
    bar.finish();
    tracing::info!(records = done.records, "rolled up new audit records");
    if args.verify {
        let stored = rollup_store::stored_hourly(&store).await.map_err(failed)?;
        let fresh = rollup_store::recompute_from_raw(&store, &agencies)
            .await
            .map_err(failed)?;
        if stored != fresh.hourly {
            store.close().await;
            return Err(CommandError::Failed(format!(
                "rollups differ from a full recompute of {} raw records; run `dxgate ranking --rebuild`",
                fresh.records
            )));
        }
        eprintln!(
            "ok: rollups equal a full recompute of {} raw records",
            fresh.records
        );
    }
    let now = now_ms();
    let inputs = inputs::load(&store, days, now, &settings.timezone)
        .await
        .map_err(failed)?;
    store.close().await;
    let r = engine::compute(
        &loaded.catalog,
        &agencies,
        &inputs,
        settings.min_consumer_days,
        now,
    );
    let out = match args.format.as_str() {
        "json" => String::from_utf8_lossy(&render::json(&r)).into_owned(),
        "csv" => render::csv(&r),
        _ => render::table(&r),
    };
    print!("{out}");
    Ok(())
}
