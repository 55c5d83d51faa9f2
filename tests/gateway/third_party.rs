//! Issue 12: a third party checks a log it does not control. The walkthrough in
//! docs/audit-log.md ("Checking a log you do not control") is read from the document and its
//! `$` lines are run as written, by `sh`, in a directory of the party's own, against a real
//! `dxgate serve`: a witness cosigns, `check-consistency` keeps and extends a checkpoint,
//! `check-inclusion` requires the witness. Then the operator rewrites history and both the
//! witness and `check-consistency` refuse it; a checkpoint under another key is refused too.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::surgery::{reanchor, rewind};

use crate::common::catalogue::*;
use crate::common::*;

/// The walkthrough's commands, in order (`\`-continued lines joined, the `export`s left to
/// the test, which sets those variables itself).
fn walkthrough() -> Vec<String> {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/audit-log.md")).unwrap();
    let start = doc
        .find("<!-- third-party walkthrough")
        .expect("docs/audit-log.md has the third-party walkthrough");
    let block = &doc[start..];
    let open = block.find("```\n").unwrap() + 4;
    let block = &block[open..open + block[open..].find("```").unwrap()];
    let mut cmds = Vec::new();
    let mut lines = block.lines();
    while let Some(line) = lines.next() {
        let Some(cmd) = line.strip_prefix("$ ") else {
            continue;
        };
        let mut cmd = cmd.to_owned();
        while cmd.ends_with('\\') {
            cmd.pop();
            cmd.push_str(lines.next().unwrap().trim_start());
        }
        if !cmd.starts_with("export ") {
            cmds.push(cmd);
        }
    }
    cmds
}

/// The third party: its own directory and shell variables; it has no access to the store.
struct Party {
    dir: tempfile::TempDir,
    env: BTreeMap<&'static str, String>,
    cmds: Vec<String>,
}

impl Party {
    /// The walkthrough's one command starting with `prefix`.
    fn cmd(&self, prefix: &str) -> &str {
        let found: Vec<&String> = self.cmds.iter().filter(|c| c.starts_with(prefix)).collect();
        assert_eq!(
            found.len(),
            1,
            "one `{prefix}` in the walkthrough: {:?}",
            self.cmds
        );
        found[0]
    }

    /// Run the walkthrough's `prefix` command: (exit code, stdout, stderr).
    async fn run(&self, prefix: &str) -> (i32, String, String) {
        let cmd = self.cmd(prefix).to_owned();
        let dir = self.dir.path().to_owned();
        let env = self.env.clone();
        let bin_dir = Path::new(bin()).parent().unwrap().to_owned();
        tokio::task::spawn_blocking(move || {
            let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
            let out = std::process::Command::new("sh")
                .args(["-c", &cmd])
                .current_dir(dir)
                .env("PATH", path)
                .envs(env)
                .output()
                .unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .await
        .unwrap()
    }

    fn kept(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kept.note")).unwrap()
    }
}

const WITNESS: &str = "dxgate audit witness --once";
const CONSISTENCY: &str = "dxgate audit check-consistency";
const INCLUSION: &str = "dxgate audit check-inclusion";

#[tokio::test]
async fn the_documented_third_party_walkthrough_checks_the_log_and_refuses_a_rewrite() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let mut p = Party {
        dir: tempfile::tempdir().unwrap(),
        env: BTreeMap::new(),
        cmds: walkthrough(),
    };
    let (code, out, err) = p.run("dxgate audit witness --key").await;
    assert_eq!(code, 0, "{err}");
    p.env.insert("WITNESS_KEY", out.trim().to_owned());
    assert!(
        p.env["WITNESS_KEY"].starts_with("witness.example.org/w1+"),
        "{out}"
    );
    // The operator trusts the witness and publishes the log's key.
    cat.write(
        "dxgate.toml",
        &format!(
            "[server]\nnode_id = \"test-node\"\n[audit]\ncheckpoint_every = 2\n\
             checkpoint_interval = \"1h\"\nwitnesses = [\"{}\"]\n",
            p.env["WITNESS_KEY"]
        ),
    );
    let (code, log_key, err) = run_cli(&["audit", "key"], cat.path());
    assert_eq!(code, 0, "{err}");
    p.env.insert("LOG_KEY", log_key.trim().to_owned());
    p.env.insert("API_KEY", PORTAL_KEY.to_owned());
    let gw = Gateway::start_binary(cat.path()).await;
    p.env.insert("GATEWAY", gw.url(""));
    // The start's catalog_change record and three requests: a checkpoint at 4.
    serve_people(&gw, 3, "001").await;

    let (code, out, err) = p.run(CONSISTENCY).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "first checkpoint of dxgate.local/audit/test-node (size 4), trusted on first use; kept in kept.note"
    );
    assert!(
        p.kept().starts_with("dxgate.local/audit/test-node\n4\n"),
        "{}",
        p.kept()
    );
    let (code, _, err) = p.run(WITNESS).await;
    assert_eq!(code, 0, "{err}");

    // A consumer's request (record 5); reading its proof is record 6, under a new checkpoint
    // at 6 the witness has not seen: NOT WITNESSED until its next round.
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=002")
        .await;
    p.env.insert("REQUEST_ID", request_id(&r));
    let (code, _, err) = p.run("curl").await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(INCLUSION).await;
    assert_eq!(code, 1);
    assert!(err.contains("NOT WITNESSED"), "{err}");
    let (code, _, err) = p.run(WITNESS).await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run("curl").await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = p.run(INCLUSION).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("cosigned by 1 witness(es)"), "{out}");

    // The log grew from 4 to 6 (record 7, the second proof read, waits for the checkpoint at 8).
    let (code, out, err) = p.run(CONSISTENCY).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "consistent: dxgate.local/audit/test-node at size 6 extends the kept size 4 \
         (RFC 6962 proof checked); kept in kept.note"
    );
    let kept = p.kept();
    assert!(
        kept.starts_with("dxgate.local/audit/test-node\n6\n"),
        "{kept}"
    );

    // A checkpoint signed by another key than the one published is refused, nothing kept.
    let other = Catalogue::on(&up);
    let (_, other_key, _) = run_cli(&["audit", "key"], other.path());
    let published = p
        .env
        .insert("LOG_KEY", other_key.trim().to_owned())
        .unwrap();
    let (code, out, err) = p.run(CONSISTENCY).await;
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("not signed by the log's key"), "{err}");
    assert_eq!(p.kept(), kept);
    p.env.insert("LOG_KEY", published);
    gw.stop().await;

    // The operator rewrites history: cut to 3, re-anchor, and carry on with other records.
    rewind(&cat, 3).await;
    let (code, _, err) = reanchor(&cat, "rewrite");
    assert_eq!(code, 0, "{err}");
    let gw = Gateway::start_binary(cat.path()).await;
    p.env.insert("GATEWAY", gw.url(""));
    // Re-anchored at 3 (checkpoint at 3), the start's record and six requests: 9 on a
    // checkpoint the forged history signs.
    serve_people(&gw, 6, "001").await;

    let (code, out, err) = p.run(CONSISTENCY).await;
    assert_eq!(code, 1, "{out}");
    let refused = format!(
        "REWRITTEN: {} chain test-node: size 9 is not consistent with the size 6 seen \
         earlier: history was rewritten; kept.note still holds the size 6 checkpoint",
        p.env["GATEWAY"]
    );
    assert!(err.contains(&refused), "{err}");
    assert_eq!(p.kept(), kept, "the evidence is kept as it was");
    let (code, _, err) = p.run(WITNESS).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("REFUSED") && err.contains("history was rewritten"),
        "{err}"
    );
    gw.stop().await;
}
