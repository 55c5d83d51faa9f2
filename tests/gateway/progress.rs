//! Progress bars of the long commands, run as the real binary: `audit verify`, `audit archive`
//! and `ranking --rebuild` draw records done of records ahead with the time left on a
//! terminal (a pseudo-terminal from util-linux `script`), and nothing at all into a pipe.

use std::path::Path;

use dxgate::audit::note::NoteSigner;
use dxgate::audit::Store;

use crate::common::*;

/// `dxgate ARGS --config DIR` on a pseudo-terminal 200 columns wide: what the terminal showed.
fn on_tty(script: &Path, args: &str, dir: &Path, url: &str) -> String {
    let cmd = format!("stty cols 200; {} {args} --config {}", bin(), dir.display());
    let out = std::process::Command::new(script)
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("DXGATE_STORE_URL", url)
        .env_remove("DXGATE_NODE_ID")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "dxgate {args}:\n{text}");
    text
}

/// The bar's last drawing for `what`: `<what> <done>/<total> records …, ETA …`.
fn assert_bar(shown: &str, what: &str, done_of_total: &str) {
    let line = shown
        .split(['\r', '\n'])
        .rfind(|l| l.contains(&format!("{what} ")) && l.contains(" records"))
        .unwrap_or_else(|| panic!("no {what} bar:\n{shown:?}"));
    assert!(
        line.contains(&format!("{what} {done_of_total} records, ETA ")),
        "{line:?}"
    );
}

#[tokio::test]
async fn long_commands_draw_progress_with_eta_on_a_terminal_and_nothing_into_a_pipe() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("gw");
    assert_eq!(run_bin(&["init", dir.to_str().unwrap()]).0, 0);
    let signer = NoteSigner::generate("dxgate.local/audit").unwrap();
    for sub in ["keys", "data"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(dir.join("keys/checkpoint.key"), signer.private_key()).unwrap();
    let url = format!("sqlite://{}/data/audit.db", dir.display());
    let store = Store::open(&url).await.unwrap();
    // 662 records on chain node-r: 512 from January 2024, 100 from February, 50 from now.
    crate::retention::fill(&store, &signer).await;
    store.close().await;

    // Into a pipe: the same results, no bar.
    let env = [("DXGATE_STORE_URL", url.as_str())];
    for args in [&["audit", "verify"][..], &["ranking", "--rebuild"]] {
        let (code, out, err) = run_cli_env(args, &dir, &env);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            !err.contains("records, ETA") && !err.contains('\r'),
            "{args:?} drew into a pipe: {err:?}"
        );
    }

    let Some(script) = tools::require("script", "apt-get install bsdutils") else {
        return;
    };
    let shown = on_tty(&script, "audit verify", &dir, &url);
    assert!(
        shown.contains("ok: 1 chain(s), 662 records verified"),
        "{shown}"
    );
    assert_bar(&shown, "verify", "662/662");

    let shown = on_tty(&script, "audit archive --before 2024-02-01", &dir, &url);
    assert!(
        shown.contains("archived chain node-r seq 1..=512"),
        "{shown}"
    );
    assert_bar(&shown, "archive", "512/512");

    // After the cut only the live records are walked, and counted.
    let shown = on_tty(&script, "audit verify", &dir, &url);
    assert!(shown.contains("walked from seq 513"), "{shown}");
    assert_bar(&shown, "verify", "150/150");
    let shown = on_tty(&script, "ranking --rebuild --format json", &dir, &url);
    assert_bar(&shown, "rebuild", "150/150");
}
