//! Shared fixtures: a test catalogue on disk, a real upstream HTTP server, and the real
//! `dxgate` binary started on an ephemeral port.
#![allow(dead_code)]

pub mod browser;
pub mod catalogue;
pub mod databases;
pub mod otlp;
pub mod pki;
pub mod ranking;
pub mod tokens;
pub mod upstream;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[allow(unused_imports)]
pub use catalogue::Catalogue;
pub use upstream::Upstream;

/// The `dxgate` binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dxgate")
}

/// A running `dxgate serve`; killed when dropped.
pub struct Gateway {
    child: Child,
    pub base: String,
    pub dir: PathBuf,
}

impl Gateway {
    /// Start `dxgate serve --config dir` on 127.0.0.1:0 and wait until it listens.
    pub async fn start(dir: &Path) -> Gateway {
        Self::start_with_env(dir, &[]).await
    }

    pub async fn start_with_env(dir: &Path, env: &[(&str, &str)]) -> Gateway {
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
            child,
            base,
            dir: dir.to_path_buf(),
        }
    }

    /// The gateway's process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET a data path as `key` with a purpose.
    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        client()
            .get(self.url(path))
            .bearer_auth(key)
            .header("Data-Purpose", "social-benefit")
            .send()
            .await
            .expect("request")
    }

    /// Send SIGTERM and wait for a clean exit.
    pub async fn stop(mut self) -> std::process::ExitStatus {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("gateway stops within 30s")
            .expect("wait")
    }

    /// SIGKILL the process (no drain, no flush) and reap it: a crash.
    pub async fn kill9(&mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("gateway.log")).unwrap_or_default()
    }
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

/// Split a response into status, Request-Id, content type and JSON body.
pub async fn parts(r: reqwest::Response) -> (u16, String, String, Value) {
    let status = r.status().as_u16();
    let id = r
        .headers()
        .get("request-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
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
