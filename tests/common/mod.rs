//! Shared fixtures: a test catalogue on disk, a real upstream HTTP server, and the gateway on
//! an ephemeral port — in-process by default ([`inproc`]), or the real `dxgate` binary for tests
//! that need a process (signals, crashes, log lines, OTLP export, TLS).
#![allow(dead_code)]

pub mod browser;
pub mod catalogue;
pub mod checks;
pub mod databases;
pub mod inproc;
pub mod oidc;
pub mod otlp;
pub mod pki;
pub mod ranking;
pub mod redis_server;
pub mod requests;
pub mod surgery;
pub mod tokens;
pub mod tools;
pub mod upstream;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use dxgate::config::Overrides;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[allow(unused_imports)]
pub use catalogue::Catalogue;
#[allow(unused_imports)]
pub use checks::{
    all_have, cli_fails, eventually, exec_for, expect_harvest_blocked, expect_problem, get_problem,
    is_problem, item, on_postgres_store, on_sqlite_store, post_json, problem_kind, raw,
    records_for, served_concurrently, setup, statuses, strs,
};
pub use requests::serve_people;
pub use upstream::Upstream;

/// The `dxgate` binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dxgate")
}

/// A running gateway: in-process ([`Gateway::start`]) or a `dxgate serve` process
/// ([`Gateway::start_binary`], killed when dropped).
pub struct Gateway {
    pub base: String,
    pub dir: PathBuf,
    run: Run,
}

enum Run {
    InProc(inproc::InProc),
    Process(Child),
}

/// How a gateway stopped.
#[derive(Debug)]
pub struct Stopped(Option<std::process::ExitStatus>);

impl Stopped {
    /// A clean stop: the process exited 0, or the in-process gateway shut down.
    pub fn success(&self) -> bool {
        self.0.is_none_or(|s| s.success())
    }
}

impl Gateway {
    /// Start the gateway in-process on `dir` (127.0.0.1:0) and wait until it listens.
    pub async fn start(dir: &Path) -> Gateway {
        Self::start_with(dir, Overrides::default()).await
    }

    /// [`Gateway::start`] with `DXGATE_STORE_URL` / `DXGATE_NODE_ID` given as they would be in
    /// the environment (passed as overrides; the process environment is not touched).
    pub async fn start_with_env(dir: &Path, env: &[(&str, &str)]) -> Gateway {
        let mut overrides = Overrides::default();
        for (k, v) in env {
            let slot = match *k {
                "DXGATE_STORE_URL" => &mut overrides.store_url,
                "DXGATE_NODE_ID" => &mut overrides.node_id,
                "DXGATE_LISTEN" => &mut overrides.listen,
                other => {
                    panic!("{other} is process environment: use Gateway::start_binary_with_env")
                }
            };
            *slot = Some((*v).to_owned());
        }
        Self::start_with(dir, overrides).await
    }

    async fn start_with(dir: &Path, overrides: Overrides) -> Gateway {
        let gw = inproc::InProc::start(dir, overrides).await;
        Gateway {
            base: format!("{}://{}", gw.scheme, gw.addr),
            dir: dir.to_path_buf(),
            run: Run::InProc(gw),
        }
    }

    /// Start the real binary, `dxgate serve --config dir` on 127.0.0.1:0, and wait until it
    /// listens: for tests of signals, crashes, log lines, OTLP export and TLS.
    pub async fn start_binary(dir: &Path) -> Gateway {
        Self::start_binary_with_env(dir, &[]).await
    }

    pub async fn start_binary_with_env(dir: &Path, env: &[(&str, &str)]) -> Gateway {
        let log = std::fs::File::create(dir.join("gateway.log")).expect("log file");
        let mut cmd = Command::new(bin());
        cmd.args(["serve", "--config"])
            .arg(dir)
            .env("DXGATE_LISTEN", "127.0.0.1:0")
            .env_remove("DXGATE_STORE_URL")
            .env_remove("DXGATE_NODE_ID")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn dxgate");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("dxgate listening on ") {
                    return Some(url.trim().to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            let log = std::fs::read_to_string(dir.join("gateway.log")).unwrap_or_default();
            panic!("dxgate did not start; its log:\n{log}")
        });
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Gateway {
            base,
            dir: dir.to_path_buf(),
            run: Run::Process(child),
        }
    }

    /// The in-process gateway itself, for white-box steps (reload now, look at the runtime).
    pub fn inproc(&self) -> &Arc<dxgate::gateway::Gateway> {
        match &self.run {
            Run::InProc(g) => g.gateway(),
            Run::Process(_) => panic!("a binary gateway has no in-process state"),
        }
    }

    /// Reload the configuration now (in-process), as SIGHUP or a file change would.
    pub async fn reload(&self) -> dxgate::gateway::ReloadOutcome {
        dxgate::gateway::reload_once(self.inproc()).await
    }

    fn child(&mut self) -> &mut Child {
        match &mut self.run {
            Run::Process(c) => c,
            Run::InProc(_) => panic!("this needs a process: start it with Gateway::start_binary"),
        }
    }

    /// The gateway's process id (to send it signals).
    pub fn pid(&self) -> u32 {
        match &self.run {
            Run::Process(c) => c.id().expect("running"),
            Run::InProc(_) => panic!("signals need a process: start it with Gateway::start_binary"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stop as SIGTERM does (in-process: the same shutdown path) and wait until it has.
    pub async fn stop(self) -> Stopped {
        match self.run {
            Run::InProc(g) => {
                g.stop().await;
                Stopped(None)
            }
            Run::Process(mut child) => {
                if let Some(pid) = child.id() {
                    let _ = std::process::Command::new("kill")
                        .arg("-TERM")
                        .arg(pid.to_string())
                        .status();
                }
                let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
                    .await
                    .expect("gateway stops within 30s")
                    .expect("wait");
                Stopped(Some(status))
            }
        }
    }

    /// SIGKILL the process (no drain, no flush) and reap it: a crash.
    pub async fn kill9(&mut self) {
        let child = self.child();
        child.start_kill().expect("SIGKILL");
        let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    }

    /// The process's log (stderr). An in-process gateway has none: tests that assert on log
    /// lines start the binary.
    pub fn log(&self) -> String {
        match &self.run {
            Run::Process(_) => {
                std::fs::read_to_string(self.dir.join("gateway.log")).unwrap_or_default()
            }
            Run::InProc(_) => {
                "(in-process gateway: no log; start it with Gateway::start_binary to read one)"
                    .into()
            }
        }
    }
}

/// On paused time: GET `path` as `key`, wait until `hits` shows the request reached the
/// source, then move the clock on by `by` (say, the source's timeout) and return the answer
/// with the time it took on tokio's clock.
pub async fn get_advancing(
    gw: &Gateway,
    key: &str,
    path: &str,
    hits: &std::sync::atomic::AtomicU64,
    by: Duration,
) -> (reqwest::Response, Duration) {
    let before = hits.load(std::sync::atomic::Ordering::Relaxed);
    let started = tokio::time::Instant::now();
    let request = client()
        .get(gw.url(path))
        .bearer_auth(key)
        .header("Data-Purpose", "social-benefit")
        .send();
    let pending = tokio::spawn(request);
    while hits.load(std::sync::atomic::Ordering::Relaxed) == before {
        tokio::task::yield_now().await;
    }
    tokio::time::advance(by).await;
    let r = pending.await.expect("request task").expect("request");
    (r, started.elapsed())
}

/// GET `url` over `c` as `key` for `purpose` (for requests sent from spawned tasks).
pub async fn get_over(
    c: &reqwest::Client,
    url: &str,
    key: &str,
    purpose: &str,
) -> reqwest::Response {
    c.get(url)
        .bearer_auth(key)
        .header("Data-Purpose", purpose)
        .send()
        .await
        .expect("request")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// The `Request-Id` header of a response.
pub fn request_id(r: &reqwest::Response) -> String {
    r.headers()
        .get("request-id")
        .expect("every answer carries Request-Id")
        .to_str()
        .unwrap()
        .to_owned()
}

/// A header of `r` as text; empty when absent.
pub fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Split a response into status, Request-Id, content type and JSON body.
pub async fn parts(r: reqwest::Response) -> (u16, String, String, Value) {
    let status = r.status().as_u16();
    let (id, ct) = (header(&r, "request-id"), header(&r, "content-type"));
    let body = r.bytes().await.expect("body");
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, id, ct, json)
}

/// Fetch an audit record as the oversight consumer.
pub async fn record(gw: &Gateway, id: &str) -> Value {
    record_with(&client(), gw, id).await
}

/// Fetch an audit record as the oversight consumer, over `c` (e.g. a client trusting a test CA).
pub async fn record_with(c: &reqwest::Client, gw: &Gateway, id: &str) -> Value {
    let r = c
        .get(gw.url(&format!("/v1/audit/records/{id}")))
        .bearer_auth(catalogue::OVERSIGHT_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "record {id} should exist");
    r.json().await.unwrap()
}

/// Run the binary with `args` and return (exit code, stdout, stderr).
pub fn run_cli(args: &[&str], dir: &Path) -> (i32, String, String) {
    run_cli_env(args, dir, &[])
}

/// Run the binary with exactly `args` (commands without `--config`).
pub fn run_bin(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin())
        .args(args)
        .output()
        .expect("run dxgate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`run_cli`] with extra environment (e.g. `DXGATE_STORE_URL`).
pub fn run_cli_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(bin());
    cmd.args(args)
        .arg("--config")
        .arg(dir)
        .env_remove("DXGATE_STORE_URL")
        .env_remove("DXGATE_NODE_ID");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run dxgate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
