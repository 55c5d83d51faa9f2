//! A real OpenID provider (the `oidc-provider` package on Node, `tests/oidc/`) and the
//! Chromium driver beside it, for the staff sign-in tests. Outside CI a missing `node` or
//! missing `tests/oidc/node_modules` (`npm ci --prefix tests/oidc`) skips loudly; under
//! `CI=true` it fails.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// `tests/oidc`, when node and its packages are there; `None` (skip) outside CI otherwise.
pub fn tools() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let node = std::process::Command::new("node").arg("--version").output();
    let missing = match node {
        Ok(o) if o.status.success() => (!dir.join("node_modules/oidc-provider").is_dir())
            .then_some("npm ci --prefix tests/oidc"),
        _ => Some("node (apt-get install -y nodejs)"),
    };
    let Some(what) = missing else {
        return Some(dir);
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the sign-in tests need {what} under CI=true");
    }
    eprintln!("\n!!!! SKIPPING sign-in test: needs {what}; under CI=true this fails\n");
    None
}

/// A running `tests/oidc/provider.mjs`, stopped when dropped.
pub struct Provider {
    pub issuer: String,
    _child: Child,
}

impl Provider {
    /// Start the provider with one registered client.
    pub async fn start(dir: &Path, client_id: &str, secret: &str, redirect: &str) -> Provider {
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .args([client_id, secret, redirect])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start node provider.mjs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = json_line(&mut lines, "the provider's issuer").await;
        // The provider logs on stdout: keep reading, or its next line dies of EPIPE.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Provider {
            issuer: first["issuer"].as_str().unwrap().to_owned(),
            _child: child,
        }
    }
}

/// A running `tests/oidc/drive.mjs`: Chromium signing in.
pub struct Driver {
    lines: Lines<BufReader<ChildStdout>>,
    stdin: ChildStdin,
    _child: Child,
}

impl Driver {
    /// Sign in on `page` of the gateway at `base` as `login`; returns the driver and what it
    /// saw once signed in.
    pub async fn sign_in(
        dir: &Path,
        chromium: &PathBuf,
        base: &str,
        page: &str,
        login: &str,
    ) -> (Driver, Value) {
        let shots = super::browser::artifacts();
        let mut child = Command::new("node")
            .arg(dir.join("drive.mjs"))
            .arg(chromium)
            .args([base, page, login])
            .arg(&shots)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start node drive.mjs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let stdin = child.stdin.take().unwrap();
        let seen = json_line(&mut lines, "the signed-in page").await;
        (
            Driver {
                lines,
                stdin,
                _child: child,
            },
            seen,
        )
    }

    /// Click "Sign out"; what the page shows afterwards.
    pub async fn sign_out(mut self) -> Value {
        self.stdin.write_all(b"continue\n").await.unwrap();
        json_line(&mut self.lines, "the signed-out page").await
    }
}

async fn json_line(lines: &mut Lines<BufReader<ChildStdout>>, what: &str) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(90), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{what} within 90s"))
        .expect("read stdout")
        .unwrap_or_else(|| panic!("the script exited before printing {what}"));
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{what}: {e}: {line}"))
}
