//! Headless Chromium (Debian's `chromium` package) for page tests: a screenshot saved under
//! `target/test-artifacts/` and the DOM after scripts ran. Outside CI a missing browser skips
//! loudly; under `CI=true` it fails. No tool downloads a browser of its own.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// The Chromium binary, or `None` (skip) when absent outside CI.
pub fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        if let Some(p) = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        }) {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("chromium is required under CI=true (apt-get install -y chromium)");
    }
    eprintln!("\n!!!! SKIPPING browser test: chromium not found (apt-get install -y chromium); under CI=true this fails\n");
    None
}

/// Where screenshots go.
pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

async fn run(bin: &PathBuf, extra: &[String], url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--window-size=1280,2000",
        // Lets the page's own fetches finish before the DOM is dumped.
        "--virtual-time-budget=10000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(url)
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(90), cmd.output())
        .await
        .expect("chromium finishes within 90s")
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Save a screenshot of `url` as `target/test-artifacts/{name}.png`; return its path.
pub async fn screenshot(bin: &PathBuf, url: &str, name: &str) -> PathBuf {
    let file = artifacts().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&file);
    run(bin, &[format!("--screenshot={}", file.display())], url).await;
    assert!(
        std::fs::metadata(&file)
            .map(|m| m.len() > 1000)
            .unwrap_or(false),
        "chromium wrote no screenshot of {url} to {}",
        file.display()
    );
    file
}

/// The DOM of `url` after its scripts ran.
pub async fn dom(bin: &PathBuf, url: &str) -> String {
    run(bin, &["--dump-dom".to_owned()], url).await
}
