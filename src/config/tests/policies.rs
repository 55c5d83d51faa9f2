//! Diagnostics of `schemas/`, `policies/consumers.toml`, `policies/state-secrets.toml` and of
//! missing directories.

use super::{dir_with, expect_one, write};

const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// `consumers.toml` with the base consumer and `extra` after it (its lines start at 5).
#[track_caller]
fn consumers(extra: &str, line: usize, says: &str) {
    let text = format!(
        "[[consumers]]\nid = \"portal\"\nname = \"Portal\"\napi_key_sha256 = \"{HASH}\"\n{extra}"
    );
    let dir = dir_with(&[("policies/consumers.toml", &text)]);
    expect_one(dir.path(), "policies/consumers.toml", Some(line), says);
}

#[test]
fn consumer_credentials_and_ids() {
    let c = |fields: &str| format!("[[consumers]]\nname = \"Other\"\n{fields}\n");
    consumers(
        &c("id = \"\"\njwt_subject = \"x\""),
        5,
        "consumer id must be 1-128 printable characters",
    );
    consumers(
        &c("id = \"o\"\napi_key_sha256 = \"zz\""),
        5,
        "consumer \"o\": api_key_sha256 must be 64 hex digits",
    );
    consumers(
        &c("id = \"o\"\ncert_sha256 = \"AB:CD\""),
        5,
        "consumer \"o\": cert_sha256 must be the certificate's SHA-256 fingerprint",
    );
    consumers(
        &c("id = \"o\"\ncert_subject = \"portal\""),
        5,
        "consumer \"o\": cert_subject must be a DN",
    );
    consumers(
        &c("id = \"o\"\njwt_subject = \" \""),
        5,
        "consumer \"o\": jwt_subject must not be empty",
    );
    consumers(&c("id = \"o\""), 5, "consumer \"o\" has no credential");
    consumers(
        &c("id = \"o\"\nroles = [\"king\"]"),
        8,
        "unknown variant `king`",
    );
}

#[test]
fn consumers_declared_twice_or_sharing_credentials() {
    let c =
        |id: &str, fields: &str| format!("[[consumers]]\nid = \"{id}\"\nname = \"N\"\n{fields}\n");
    consumers(
        &c("portal", "jwt_subject = \"p\""),
        5,
        "consumer \"portal\" is declared twice",
    );
    let same_key = format!("api_key_sha256 = \"{HASH}\"");
    consumers(
        &c("o", &same_key),
        5,
        "consumer \"o\" reuses another consumer's API key",
    );
    let cert = |id: &str| c(id, &format!("cert_sha256 = \"{HASH}\""));
    let certs = format!("{}{}", cert("a"), cert("b"));
    consumers(
        &certs,
        9,
        "consumer \"b\" reuses another consumer's cert_sha256",
    );
    let dn = format!(
        "{}{}",
        c("a", "cert_subject = \"CN=x, O=y\""),
        c("b", "cert_subject = \"CN=x,O=y\"")
    );
    consumers(
        &dn,
        9,
        "consumer \"b\" reuses another consumer's cert_subject",
    );
    let sub = format!(
        "{}{}",
        c("a", "jwt_subject = \"s\""),
        c("b", "jwt_subject = \"s\"")
    );
    consumers(
        &sub,
        9,
        "consumer \"b\" reuses another consumer's jwt_subject",
    );
}

#[test]
fn state_secret_entries() {
    let file = "policies/state-secrets.toml";
    let dir = dir_with(&[(
        file,
        "[[entries]]\ndataset = \"alpha\"\nlisted_by = \"D 1\"\n",
    )]);
    expect_one(
        dir.path(),
        file,
        Some(1),
        "dataset \"alpha\" must be written <agency>/<dataset>",
    );
    let dir = dir_with(&[(
        file,
        "\n[[entries]]\ndataset = \"alpha/x\"\nlisted_by = \" \"\n",
    )]);
    expect_one(
        dir.path(),
        file,
        Some(2),
        "listed_by must name the instrument",
    );
}

#[test]
fn schemas() {
    let dir = dir_with(&[("schemas/broken.json", "{\n  \"type\": \n")]);
    expect_one(dir.path(), "schemas/broken.json", Some(3), "not valid JSON");
    let dir = dir_with(&[("schemas/bad.json", r#"{"type": "nonsense"}"#)]);
    expect_one(dir.path(), "schemas/bad.json", None, "nonsense");
    let dir = dir_with(&[]);
    std::os::unix::fs::symlink(
        dir.path().join("nowhere"),
        dir.path().join("schemas/gone.json"),
    )
    .unwrap();
    expect_one(dir.path(), "schemas/gone.json", None, "cannot read:");
}

#[test]
fn missing_files_and_directories() {
    let dir = dir_with(&[]);
    std::fs::remove_file(dir.path().join("policies/consumers.toml")).unwrap();
    // The dataset's rules name no consumer, so only the file itself is reported.
    expect_one(
        dir.path(),
        "policies/consumers.toml",
        None,
        "missing: declare consumers",
    );

    let dir = dir_with(&[]);
    std::fs::remove_file(dir.path().join("policies/consumers.toml")).unwrap();
    std::fs::create_dir(dir.path().join("policies/consumers.toml")).unwrap();
    expect_one(dir.path(), "policies/consumers.toml", None, "cannot read:");

    let dir = dir_with(&[]);
    std::fs::remove_dir_all(dir.path().join("policies/agencies")).unwrap();
    write(dir.path(), "policies/agencies", "not a directory");
    let d = crate::config::load(dir.path(), &crate::config::Overrides::default()).unwrap_err();
    let shown = d.to_string();
    assert!(
        shown.contains("agencies: missing or unreadable directory"),
        "{shown}"
    );
    assert!(shown.contains("agencies: no agencies declared"), "{shown}");

    for (gone, says) in [
        ("schemas", "schemas: missing: JSON Schemas live in schemas/"),
        (
            "policies",
            "policies: missing: the catalogue lives in policies/",
        ),
    ] {
        let dir = dir_with(&[]);
        std::fs::remove_dir_all(dir.path().join(gone)).unwrap();
        let d = crate::config::load(dir.path(), &crate::config::Overrides::default()).unwrap_err();
        assert!(d.to_string().contains(says), "{d}");
    }
}
