//! Redis for the shared-limits tests: the machine's server (`DXGATE_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`) with a key prefix of each test's own, or a throwaway
//! `redis-server` of our own on a free port that a test may stop and start again. Outside CI a
//! missing server skips loudly; under `CI=true` it fails.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The shared test Redis.
pub fn redis_url() -> String {
    std::env::var("DXGATE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Whether Redis at `url` answers PING within 2 s.
pub async fn answers(url: &str) -> bool {
    let ping = async {
        let client = redis::Client::open(url).ok()?;
        let mut c = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING").query_async::<String>(&mut c).await.ok()
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), ping).await,
        Ok(Some(_))
    )
}

/// The shared test Redis, or `None` (skip loudly outside CI; fail under `CI=true`).
pub async fn require_redis() -> Option<String> {
    let url = redis_url();
    if answers(&url).await {
        return Some(url);
    }
    skip(&format!(
        "no Redis answers at {url} (DXGATE_TEST_REDIS_URL)"
    ))
}

/// `[limits]` settings on `url` with a key prefix no other test run uses.
pub fn limits_settings(url: &str, test: &str) -> String {
    let prefix = format!("dxgate-test:{test}:{}", uuid::Uuid::now_v7());
    format!("\n[limits]\nredis_url = \"{url}\"\nkey_prefix = \"{prefix}\"\nretry = \"200ms\"\n")
}

/// A `redis-server` of our own on a free port, without persistence.
pub struct ThrowawayRedis {
    pub port: u16,
    child: Option<Child>,
}

impl ThrowawayRedis {
    /// Start one and wait until it answers; `None` (skip loudly) without `redis-server`.
    pub async fn start() -> Option<ThrowawayRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut r = ThrowawayRedis { port, child: None };
        if !r.start_server().await {
            return skip("redis-server could not be started");
        }
        Some(r)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Start (or start again) on the same port; true once it answers.
    pub async fn start_server(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else { return false };
        self.child = Some(child);
        for _ in 0..100 {
            if answers(&self.url()).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Kill it (SIGKILL: an outage, not a shutdown) and wait until it is gone.
    pub fn stop_server(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for ThrowawayRedis {
    fn drop(&mut self) {
        self.stop_server();
    }
}

fn skip<T>(why: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("Redis is required under CI=true: {why}");
    }
    eprintln!("\n!!!! SKIPPING: {why}; under CI=true this fails\n");
    None
}
