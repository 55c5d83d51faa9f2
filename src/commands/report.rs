//! `dxgate report daily [--date D] [--format json|csv]`: the daily monitoring report, the same
//! document `GET /public/monitoring/daily.json` serves.

use std::path::Path;
use std::sync::Arc;

use super::CommandError;
use crate::audit::Store;
use crate::ranking::{daily, Service};

/// Options of `dxgate report daily` (their docs are its `--help`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReportArgs {
    /// The day to report on, YYYY-MM-DD in [ranking] timezone (default: today there).
    #[arg(long)]
    pub date: Option<String>,
    /// Output format: json or csv.
    #[arg(long, default_value = "json")]
    pub format: String,
}

pub async fn report_daily(dir: &Path, args: &ReportArgs) -> Result<(), CommandError> {
    if !matches!(args.format.as_str(), "json" | "csv") {
        return Err(CommandError::Failed(format!(
            "--format {:?}: use json or csv",
            args.format
        )));
    }
    let date = match &args.date {
        Some(d) => Some(
            crate::calendar::parse_date(d)
                .map_err(|e| CommandError::Failed(format!("--date {e}")))?,
        ),
        None => None,
    };
    let loaded = crate::config::load(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let store = Store::open(&loaded.store_url).await?;
    let service = Service::new(
        store.clone(),
        Arc::new(loaded.catalog),
        loaded.settings.ranking.clone(),
    );
    let report = service.daily(date).await;
    store.close().await;
    let report = report.map_err(|e| CommandError::Failed(e.to_string()))?;
    match args.format.as_str() {
        "csv" => print!("{}", daily::csv(&report)),
        _ => println!("{}", daily::json(&report)),
    }
    Ok(())
}
