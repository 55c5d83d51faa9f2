//! The operator's command-line tools, run as the real binary: `dxgate init`, `dxgate consumer
//! add`, `dxgate completions` and `--log-format`.

use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::common::*;

/// `dxgate init DIR`: exit code, stdout and the API key it printed.
fn init(dir: &Path) -> (String, String) {
    let (code, out, err) = run_bin(&["init", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "dxgate init:\n{out}{err}");
    let key = out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("dxg_"))
        .unwrap_or_else(|| panic!("init prints the key:\n{out}"))
        .to_owned();
    (out, key)
}

fn sha(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

const RESIDENT: &str = "/v1/data/example/residents?citizen_id=001090000001";

#[tokio::test]
async fn init_writes_a_directory_that_checks_and_serves_with_the_printed_key() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("gw");
    let (out, key) = init(&dir);
    assert!(out.contains("shown only this once"), "{out}");
    let consumers = std::fs::read_to_string(dir.join("policies/consumers.toml")).unwrap();
    assert!(consumers.contains(&format!("api_key_sha256 = \"{}\"", sha(&key))));
    assert!(!consumers.contains(&key), "only the digest is written");

    let (code, out, err) = run_cli(&["check"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(
            "ok: 1 agencies, 1 datasets, 2 schemas, 1 consumers, 0 state-secret entries"
        ),
        "{out}"
    );

    let gw = Gateway::start_binary(&dir).await;
    let (status, id, ct, body) = parts(gw.get_for(&key, RESIDENT, "public-service").await).await;
    assert_eq!((status, ct.as_str()), (200, "application/json"), "{body}");
    assert_eq!(
        body,
        serde_json::json!([{"citizen_id": "001090000001", "full_name": "Nguyen Van An",
            "date_of_birth": "1990-04-12", "district": "Ba Dinh"}])
    );
    // The example refusal rule: any other purpose is refused, with its justification.
    let (status, refused_id, ct, problem) =
        parts(gw.get_for(&key, RESIDENT, "marketing").await).await;
    assert_eq!((status, ct.as_str()), (403, "application/problem+json"));
    assert_eq!(problem["type"], "https://dxgate.dev/problems/refused");
    assert!(problem["justification"]["legal_basis"]
        .as_str()
        .unwrap()
        .starts_with("Example:"));
    // Both are in the audit log, which the consumer may read for its own requests.
    for (id, outcome, status) in [(&id, "served", 200), (&refused_id, "refused", 403)] {
        let r = gw
            .get_for(&key, &format!("/v1/audit/records/{id}"), "-")
            .await;
        assert_eq!(r.status(), 200);
        let rec: serde_json::Value = r.json().await.unwrap();
        assert_eq!(rec["outcome"], outcome);
        assert_eq!(rec["status"], status);
        assert_eq!(rec["consumer"], "example-portal");
        assert_eq!(rec["agency"], "example");
        assert_eq!(rec["dataset"], "residents");
    }
    assert!(gw.stop().await.success());

    // init never writes over anything.
    let (code, _, err) = run_bin(&["init", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("is not empty"), "{err}");
    let (code, _, err) = run_bin(&[
        "init",
        root.path().join("x").to_str().unwrap(),
        "--agency",
        "Bad_Id",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--agency: invalid id"), "{err}");
}

#[tokio::test]
async fn consumer_add_prints_a_key_once_that_authenticates_after_a_reload() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("gw");
    let (_, portal_key) = init(&dir);
    // SIGHUP only, so "before the reload" is a state the test controls.
    let toml = std::fs::read_to_string(dir.join("dxgate.toml")).unwrap();
    std::fs::write(
        dir.join("dxgate.toml"),
        toml.replace("[server]\n", "[server]\nreload_poll = \"0s\"\n"),
    )
    .unwrap();
    let gw = Gateway::start_binary(&dir).await;
    let (status, served_id, _, _) =
        parts(gw.get_for(&portal_key, RESIDENT, "social-benefit").await).await;
    assert_eq!(status, 200);

    let before = std::fs::read_to_string(dir.join("policies/consumers.toml")).unwrap();
    let (code, out, err) = run_cli(
        &[
            "consumer",
            "add",
            "example-officer",
            "--role",
            "agency,consumer",
            "--agency",
            "example",
            "--name",
            "Data officer",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("shown only this once"), "{err}");
    let key = out.trim();
    assert!(
        key.starts_with("dxg_") && !key.contains('\n'),
        "only the key on stdout: {out}"
    );
    let after = std::fs::read_to_string(dir.join("policies/consumers.toml")).unwrap();
    assert!(
        after.starts_with(&before),
        "the file's text, comments included, is kept:\n{after}"
    );
    let added = &after[before.len()..];
    assert!(added.contains(&format!(
        "[[consumers]]\nid = \"example-officer\"\nname = \"Data officer\"\nroles = [\"agency\", \"consumer\"]\nagency = \"example\"\napi_key_sha256 = \"{}\"\n",
        sha(key)
    )), "{added}");

    // Not before the reload...
    let (status, _, _, problem) = parts(gw.get_for(key, "/v1/audit/records", "-").await).await;
    assert_eq!(status, 401, "{problem}");
    assert_eq!(
        problem["type"],
        "https://dxgate.dev/problems/unauthenticated"
    );
    // ...and after it, with the roles given: the officer sees its agency's records.
    std::process::Command::new("kill")
        .args(["-HUP", &gw.pid().to_string()])
        .status()
        .unwrap();
    let reloaded = "dxgate_catalog_reloads_total{result=\"ok\"} 1";
    let mut waited = 0;
    while !gw
        .anon_text("/metrics")
        .await
        .lines()
        .any(|l| l == reloaded)
    {
        assert!(waited < 150, "no reload 15 s after SIGHUP:\n{}", gw.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let r = gw
        .get_for(key, "/v1/audit/records?agency=example", "-")
        .await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let ids: Vec<&str> = strs(&body["records"], "request_id");
    assert!(ids.contains(&served_id.as_str()), "{body}");

    // A second consumer with the same id is refused and the file is left alone.
    let err = cli_fails(
        &["consumer", "add", "example-officer", "--role", "consumer"],
        &dir,
    );
    assert!(
        err.contains("consumer \"example-officer\" already exists"),
        "{err}"
    );
    let err = cli_fails(&["consumer", "add", "x", "--role", "agency"], &dir);
    assert!(err.contains("--role agency needs --agency"), "{err}");
    let err = cli_fails(
        &[
            "consumer", "add", "x", "--role", "consumer", "--agency", "nowhere",
        ],
        &dir,
    );
    assert!(
        err.contains("--agency \"nowhere\": no such agency"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("policies/consumers.toml")).unwrap(),
        after
    );
    assert!(gw.stop().await.success());
}

/// `dxgate completions SHELL` into a file.
fn completions(shell: &str, dir: &Path) -> std::path::PathBuf {
    let (code, out, err) = run_bin(&["completions", shell]);
    assert_eq!(code, 0, "{err}");
    let path = dir.join(format!("dxgate.{shell}"));
    std::fs::write(&path, out).unwrap();
    path
}

fn shell(program: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completion_scripts_load_in_their_shells_and_complete_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(bash) = tools::require("bash", "apt-get install bash") {
        let script = completions("bash", dir.path());
        let s = script.to_str().unwrap();
        shell(&bash, &["-n", s]);
        // Ask the completion function as bash would on <TAB>.
        let complete = |line: &str| {
            let words: Vec<&str> = line.split(' ').collect();
            let body = format!(
                "source {s}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; _dxgate dxgate '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" "),
                words.len() - 1,
                line.len(),
                words[words.len() - 1],
                words[words.len() - 2],
            );
            let mut got: Vec<String> = shell(&bash, &["-c", &body])
                .lines()
                .map(str::to_owned)
                .collect();
            got.sort();
            got
        };
        assert_eq!(complete("dxgate co"), ["completions", "consumer"]);
        assert_eq!(
            complete("dxgate consumer add x --role "),
            ["agency", "consumer", "oversight"]
        );
        assert!(complete("dxgate --log-format ").contains(&"pretty".to_owned()));
    }
    if let Some(zsh) = tools::require("zsh", "apt-get install zsh") {
        let script = completions("zsh", dir.path());
        let s = script.to_str().unwrap();
        shell(&zsh, &["-n", s]);
        // Loaded into the completion system, it registers itself for `dxgate`.
        let body = format!(
            "autoload -U compinit && compinit -u -D && source {s} && print -r -- $_comps[dxgate]"
        );
        assert_eq!(shell(&zsh, &["-f", "-c", &body]).trim(), "_dxgate");
    }
    if let Some(fish) = tools::require("fish", "apt-get install fish") {
        let script = completions("fish", dir.path());
        let s = script.to_str().unwrap();
        shell(&fish, &["--no-execute", s]);
        let body = format!("source {s}; complete --do-complete 'dxgate co'");
        let mut got: Vec<String> = shell(&fish, &["--no-config", "-c", &body])
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect();
        got.sort();
        assert_eq!(got, ["completions", "consumer"]);
    }
}

/// A command that logs at `info` and exits: `audit verify` on a fresh store logs its
/// migrations.
fn verify_args(dir: &Path) -> Vec<String> {
    vec![
        "audit".into(),
        "verify".into(),
        "--config".into(),
        dir.to_str().unwrap().into(),
    ]
}

#[test]
fn log_lines_are_json_off_a_terminal_and_readable_on_one() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("gw");
    init(&dir);
    let logs = |extra: &[&str]| {
        let out = std::process::Command::new(bin())
            .args(verify_args(&dir))
            .args(extra)
            .env("RUST_LOG", "info")
            .env_remove("DXGATE_LOG_FORMAT")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    };
    // stderr is a pipe here: auto means JSON, one object per line.
    let auto = logs(&[]);
    assert!(auto.contains("applying audit store migration"), "{auto}");
    for line in auto.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["level"], "INFO");
    }
    std::fs::remove_dir_all(dir.join("data")).unwrap();
    let pretty = logs(&["--log-format", "pretty"]);
    let line = pretty
        .lines()
        .find(|l| l.contains("applying audit store migration"))
        .unwrap_or_else(|| panic!("{pretty}"));
    assert!(line.contains(" INFO "), "{line}");
    assert!(
        !line.contains('{') && !line.contains('\x1b'),
        "plain text off a terminal: {line:?}"
    );

    // On a terminal (util-linux `script` gives the command a pseudo-terminal), auto is
    // pretty, and coloured.
    let Some(script) = tools::require("script", "apt-get install bsdutils") else {
        return;
    };
    let run_on_tty = |extra: &str| {
        std::fs::remove_dir_all(dir.join("data")).unwrap();
        let cmd = format!("{} {} {extra}", bin(), verify_args(&dir).join(" "));
        let out = std::process::Command::new(&script)
            .args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .env("RUST_LOG", "info")
            .env_remove("DXGATE_LOG_FORMAT")
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let tty = run_on_tty("");
    let line = tty
        .lines()
        .find(|l| l.contains("applying audit store migration"))
        .unwrap_or_else(|| panic!("{tty}"));
    assert!(line.contains('\x1b') && line.contains("INFO"), "{line:?}");
    assert!(!line.trim_start().starts_with('{'), "{line:?}");
    let json = run_on_tty("--log-format json");
    let line = json
        .lines()
        .find(|l| l.contains("applying audit store migration"))
        .unwrap_or_else(|| panic!("{json}"));
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(v["level"], "INFO");
}
