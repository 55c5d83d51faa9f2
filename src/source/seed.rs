//! Creating demo SQLite source databases from seed scripts: `serve` (and a reload) does this
//! before building its sources; loading configuration never writes anything.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

/// Seeding failed; the message says which file and why.
#[derive(Debug, thiserror::Error)]
#[error("seeding {db} from {script}: {message}")]
pub struct SeedError {
    pub db: String,
    pub script: String,
    pub message: String,
}

/// Seed every SQL source of `specs` that declares a `seed` script and whose database file does
/// not exist yet. Returns how many databases were created.
pub async fn seed_sources<'a>(
    specs: impl IntoIterator<Item = &'a super::SourceSpec>,
) -> Result<usize, SeedError> {
    let mut created = 0;
    for spec in specs {
        let super::SourceSpec::Sql(s) = spec else {
            continue;
        };
        let (Some(script), Some(db)) = (&s.seed, crate::audit::sqlite_file(&s.url)) else {
            continue;
        };
        if seed_sqlite(Path::new(db), script).await? {
            created += 1;
        }
    }
    Ok(created)
}

/// Create `db` from `script` if `db` does not exist yet. The database is built under a
/// temporary name and renamed into place, so a crash never leaves a half-seeded source.
pub async fn seed_sqlite(db: &Path, script: &Path) -> Result<bool, SeedError> {
    if db.exists() {
        return Ok(false);
    }
    let err = |message: String| SeedError {
        db: db.display().to_string(),
        script: script.display().to_string(),
        message,
    };
    let sql = tokio::fs::read_to_string(script)
        .await
        .map_err(|e| err(e.to_string()))?;
    if let Some(parent) = db.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| err(e.to_string()))?;
    }
    let tmp = db.with_extension("seeding");
    let _ = tokio::fs::remove_file(&tmp).await;
    let opts = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| err(e.to_string()))?
        .filename(&tmp)
        .create_if_missing(true);
    let mut conn = opts.connect().await.map_err(|e| err(e.to_string()))?;
    // One transaction around the whole script, written into the script itself: a borrowed
    // transaction here would make the future non-`Send` and unusable from the reload task.
    let script = format!("BEGIN;\n{sql}\n;COMMIT;");
    conn.execute(sqlx::raw_sql(&script))
        .await
        .map_err(|e| err(e.to_string()))?;
    conn.close().await.map_err(|e| err(e.to_string()))?;
    tokio::fs::rename(&tmp, db)
        .await
        .map_err(|e| err(e.to_string()))?;
    Ok(true)
}
