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

/// A database of its own on the test PostgreSQL server (`CREATE DATABASE dxgate_t_…` through
/// the server's `test` database). [`FreshPostgres::drop_db`] removes it; if a test panics first,
/// `Drop` removes it from a helper thread.
pub struct FreshPostgres {
    /// URL of the fresh database.
    pub url: String,
    name: String,
    admin_url: String,
    dropped: bool,
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(admin) = AnyPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
    {
        let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin)
            .await;
        admin.close().await;
    }
}

impl FreshPostgres {
    /// Create one, or skip (outside CI) / fail (under CI=true) like [`require`].
    pub async fn create(prefix: &str) -> Option<FreshPostgres> {
        let admin_url = postgres_url();
        let admin = require(&admin_url, "PostgreSQL").await?;
        let name = unique_name(&format!("dxgate_t_{prefix}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create the test database");
        admin.close().await;
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url.as_str(), String::new()),
        };
        let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(base);
        Some(FreshPostgres {
            url: format!("{server}/{name}{query}"),
            name,
            admin_url,
            dropped: false,
        })
    }

    /// Drop the database (connections still open to it are ended).
    pub async fn drop_db(mut self) {
        drop_database(&self.admin_url, &self.name).await;
        self.dropped = true;
    }
}

impl Drop for FreshPostgres {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_database(&admin_url, &name));
            }
        });
        let _ = cleanup.join();
    }
}
