//! Real PostgreSQL and MariaDB servers for tests. URLs come from the environment, with the
//! local defaults; outside CI a missing server skips loudly, under `CI=true` it fails.

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

pub fn postgres_url() -> String {
    std::env::var("DXGATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn mysql_url() -> String {
    std::env::var("DXGATE_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// Connect, or skip (outside CI) / fail (under CI=true) with a loud message.
pub async fn require(url: &str, what: &str) -> Option<AnyPool> {
    sqlx::any::install_default_drivers();
    match AnyPoolOptions::new().max_connections(2).connect(url).await {
        Ok(p) => Some(p),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{what} at {url} is required under CI=true: {e}");
            }
            eprintln!("\n!!!! SKIPPING: {what} not reachable at {url}: {e}\n!!!! set the URL env var or start the server; under CI=true this fails\n");
            None
        }
    }
}

/// A name unique to this test run, usable as a schema or database name.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{}", std::process::id(), nanos % 1_000_000_000)
}
