//! Diagnostics of `dxgate.toml` and of the overrides.

use super::{dir_with, expect_one, expect_with, write};
use crate::config::Overrides;

/// Expect `toml` as `dxgate.toml` to give one problem at `line` saying `says`.
#[track_caller]
fn settings(toml: &str, line: Option<usize>, says: &str) {
    let dir = dir_with(&[("dxgate.toml", toml)]);
    expect_one(dir.path(), "dxgate.toml", line, says);
}

/// A valid `[jwt]` section, with `line` replaced by `with` (or appended when not found).
fn jwt(section: &str, line: &str, with: &str) -> String {
    let base = format!(
        "[server]\nnode_id = \"n1\"\n[{section}]\nissuer = \"https://eid.example\"\naudiences = [\"dxgate\"]\njwks_url = \"https://eid.example/jwks\"\n"
    );
    if base.contains(line) && !line.is_empty() {
        base.replacen(line, with, 1)
    } else {
        format!("{base}{with}\n")
    }
}

#[test]
fn syntax_and_shape() {
    settings("[server\nnode_id = \"n1\"\n", Some(1), "");
    settings(
        "[server]\nlisten_addr = \"x\"\n",
        Some(2),
        "unknown field `listen_addr`",
    );
    settings(
        "[server]\nmax_headers = \"many\"\n",
        Some(2),
        "invalid type",
    );
}

#[test]
fn an_unreadable_file() {
    let dir = dir_with(&[]);
    std::fs::remove_file(dir.path().join("dxgate.toml")).unwrap();
    std::fs::create_dir(dir.path().join("dxgate.toml")).unwrap();
    expect_one(dir.path(), "dxgate.toml", None, "cannot read:");
}

#[test]
fn server() {
    let n = "[server]\nnode_id = \"a b\"\n";
    settings(n, Some(2), "[server] node_id \"a b\" must be 1-64 letters");
    settings(
        "[server]\nmax_header_bytes = 100\n",
        Some(2),
        "[server] max_header_bytes must be at least 8192",
    );
    settings(
        "[server]\nmax_headers = 0\n",
        Some(2),
        "[server] max_headers must be at least 1",
    );
}

#[test]
fn overrides() {
    let dir = dir_with(&[]);
    let listen = Overrides {
        listen: Some("nowhere".into()),
        ..Overrides::default()
    };
    let says = "\"nowhere\" is not a socket address; write it like 127.0.0.1:8080";
    expect_with(dir.path(), &listen, "$DXGATE_LISTEN", None, says);
    let node = Overrides {
        node_id: Some("pod/7".into()),
        ..Overrides::default()
    };
    let says = "[server] node_id \"pod/7\" must be 1-64 letters";
    expect_with(dir.path(), &node, "$DXGATE_NODE_ID", None, says);
}

#[test]
fn audit() {
    let s = "[server]\nnode_id = \"n1\"\n[audit]\n";
    settings(
        &format!("{s}origin = \"a b\"\n"),
        Some(4),
        "[audit] origin must be non-empty, without spaces or '+'",
    );
    settings(
        &format!("{s}checkpoint_every = 0\n"),
        Some(4),
        "[audit] checkpoint_every must be greater than zero",
    );
    settings(
        &format!("{s}checkpoint_interval = \"0s\"\n"),
        Some(4),
        "[audit] checkpoint_interval must be longer than 0s",
    );
    settings(
        &format!("{s}trusted_keys = [\"nope\"]\n"),
        Some(4),
        "[audit] trusted_keys:",
    );
}

#[test]
fn tls() {
    settings(
        "[tls]\ncert = \"tls/c.pem\"\n",
        Some(1),
        "[tls] needs both cert and key",
    );
    settings(
        "[tls]\ncert = \"tls/c.pem\"\nkey = \"tls/k.pem\"\n",
        Some(1),
        "tls/c.pem: cannot read",
    );
    settings(
        "[tls]\nclient_ca = \"ca.pem\"\n",
        Some(2),
        "[tls] client_ca (mTLS) needs cert and key",
    );
    settings(
        "[tls]\nclient_auth = \"required\"\n",
        Some(2),
        "[tls] client_auth = \"required\" needs client_ca",
    );
}

#[test]
fn harvest() {
    settings(
        "[harvest]\nwindow = \"0s\"\n",
        Some(2),
        "[harvest] window must be longer than 0s",
    );
    settings(
        "[harvest]\nmultiplier = 0.5\n",
        Some(2),
        "[harvest] multiplier must be a number of at least 1",
    );
}

#[test]
fn jwt_and_oidc() {
    let issuer = "issuer = \"https://eid.example\"";
    for sec in ["jwt", "oidc"] {
        settings(
            &jwt(sec, issuer, "issuer = \" \""),
            Some(3),
            &format!("[{sec}] issuer is required"),
        );
    }
    let audiences = "audiences = [\"dxgate\"]";
    let url = "jwks_url = \"https://eid.example/jwks\"";
    // (line of the valid section to replace, or "" to append; its replacement; where; what)
    for (line, with, at, says) in [
        (
            audiences,
            "audiences = []",
            5,
            "[jwt] audiences must name at least one",
        ),
        (
            "",
            "algorithms = []",
            7,
            "[jwt] algorithms must allow at least one",
        ),
        (
            "",
            "algorithms = [\"HS256\"]",
            7,
            "[jwt] algorithm \"HS256\" is not accepted",
        ),
        (
            url,
            "",
            3,
            "[jwt] needs exactly one of jwks_file or jwks_url",
        ),
        (
            url,
            "jwks_url = \"http://eid.example/jwks\"",
            6,
            "must be an https:// URL",
        ),
        (
            "",
            "citizen_claim = \"\"",
            7,
            "[jwt] citizen_claim must name a claim",
        ),
    ] {
        settings(&jwt("jwt", line, with), Some(at), says);
    }
    let dir = dir_with(&[("dxgate.toml", &jwt("jwt", url, "jwks_file = \"jwks.json\""))]);
    write(dir.path(), "jwks.json", "{}");
    expect_one(dir.path(), "dxgate.toml", Some(6), "[jwt] jwks_file:");
}

#[test]
fn ranking_timezone() {
    settings(
        "[server]\nnode_id = \"n1\"\n[ranking]\ntimezone = \"Mars/Olympus\"\n",
        Some(4),
        "time zone \"Mars/Olympus\" is not an IANA time zone name",
    );
    let dir = super::dir_with(&[(
        "dxgate.toml",
        "[server]\nnode_id = \"n1\"\n[ranking]\ntimezone = \"UTC\"\n",
    )]);
    let loaded = crate::config::load(dir.path(), &Overrides::default()).unwrap();
    assert_eq!(loaded.settings.ranking.timezone.name(), "UTC");
    let dir = super::dir_with(&[("dxgate.toml", "[server]\nnode_id = \"n1\"\n")]);
    let loaded = crate::config::load(dir.path(), &Overrides::default()).unwrap();
    assert_eq!(loaded.settings.ranking.timezone.name(), "Asia/Ho_Chi_Minh");
}

#[test]
fn limits() {
    let l = "[server]\nnode_id = \"n1\"\n[limits]\nkey_prefix = \"dx\"\nredis_url = \"http://10.0.0.5\"\n";
    settings(
        l,
        Some(5),
        "[limits] redis_url \"http://10.0.0.5\" must be a redis:// URL",
    );
    let t = "[limits]\ntimeout = \"0s\"\n";
    settings(t, Some(2), "[limits] timeout must be longer than 0s");
    let p = "[limits]\nkey_prefix = \"a b\"\n";
    settings(p, Some(2), "[limits] key_prefix must be 1-64 letters");
    let r = "[limits]\nretry = \"10ms\"\n";
    settings(r, Some(2), "[limits] retry must be at least 100ms");
}
