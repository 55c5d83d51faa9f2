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

/// The PostgreSQL server's URL and a pool on it, or skip / fail as [`require`] does.
pub async fn postgres() -> Option<(String, AnyPool)> {
    let url = postgres_url();
    let pool = require(&url, "PostgreSQL").await?;
    Some((url, pool))
}

/// The MariaDB server's URL and a pool on it, or skip / fail as [`require`] does.
pub async fn mariadb() -> Option<(String, AnyPool)> {
    let url = mysql_url();
    let pool = require(&url, "MariaDB").await?;
    Some((url, pool))
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
/// A throwaway PostgreSQL server of our own (initdb into a temp dir, run as the `postgres` OS
/// user on a free port), so a test may stop and restart it without touching the shared server.
pub struct ThrowawayPostgres {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl ThrowawayPostgres {
    /// initdb + start; `None` (skip loudly) outside CI when PostgreSQL binaries are missing.
    pub fn start() -> Option<ThrowawayPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|d| {
            d.flatten()
                .map(|e| e.path().join("bin"))
                .find(|b| b.join("initdb").exists())
        });
        let Some(bin) = bin else {
            return skip("initdb (PostgreSQL server binaries) not found under /usr/lib/postgresql");
        };
        let dir = tempfile::Builder::new()
            .prefix("dxgate-pg")
            .tempdir_in("/tmp")
            .unwrap();
        let _ = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = ThrowawayPostgres { bin, dir, port };
        let ok = pg.as_postgres(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        if !ok {
            return skip("initdb failed (needs root to run it as the postgres user)");
        }
        if !pg.start_server() {
            return skip("pg_ctl start failed");
        }
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn as_postgres(&self, tool: &str, args: &[&str]) -> bool {
        let exe = self.bin.join(tool);
        let mut cmd = if nix_is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            std::process::Command::new(exe)
        };
        cmd.args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Start (or restart) the server and wait until it accepts connections.
    pub fn start_server(&self) -> bool {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("pg.log").display().to_string();
        self.as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &opts,
                "-l",
                &log,
                "-w",
                "-t",
                "30",
                "start",
            ],
        )
    }

    /// Stop at once, as a crash would (`pg_ctl stop -m immediate`).
    pub fn stop_server(&self) -> bool {
        self.as_postgres(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        )
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        self.stop_server();
    }
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn skip<T>(why: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("a throwaway PostgreSQL is required under CI=true: {why}");
    }
    eprintln!("\n!!!! SKIPPING: {why}; under CI=true this fails\n");
    None
}
