//! Diagnostics of `policies/agencies/*.toml`: agencies, datasets, rules, mandates, sources.

use super::{dir_with, expect_one, write, ALPHA};

const FILE: &str = "policies/agencies/alpha.toml";

/// Expect `text` as alpha.toml to give one problem at `line` saying `says`.
#[track_caller]
fn alpha(text: &str, line: usize, says: &str) {
    let dir = dir_with(&[(FILE, text)]);
    expect_one(dir.path(), FILE, Some(line), says);
}

/// For each (from, to, line, says): ALPHA with `from` replaced by `to` gives one problem at
/// `line` saying `says`.
#[track_caller]
fn replaced(rows: &[(&str, &str, usize, &str)]) {
    for (from, to, line, says) in rows {
        alpha(&ALPHA.replace(from, to), *line, says);
    }
}

/// ALPHA with `with` inserted after line 8 (`response_schema`), before `[datasets.source]`.
fn insert(with: &str) -> String {
    ALPHA.replacen(
        "[datasets.source]\n",
        &format!("{with}[datasets.source]\n"),
        1,
    )
}

/// ALPHA with the source table's body (lines 10-11) replaced by `body`.
fn source(body: &str) -> String {
    ALPHA.replacen("kind = \"http\"\nurl = \"http://127.0.0.1:9/x\"\n", body, 1)
}

#[test]
fn agency_shape() {
    replaced(&[
        ("\"ministry\"", "\"galaxy\"", 3, "unknown variant `galaxy`"),
        ("title = \"D\"\n", "", 4, "missing field `title`"),
    ]);
    let dir = dir_with(&[("policies/agencies/beta.toml", ALPHA)]);
    let says = "agency \"alpha\" is declared in another file too";
    expect_one(dir.path(), "policies/agencies/beta.toml", Some(1), says);
    let twice = format!("{ALPHA}{}", &ALPHA[ALPHA.find("[[datasets]]").unwrap()..]);
    alpha(&twice, 12, "dataset \"d\" is declared twice");
}

#[test]
fn schemas_and_subject_field() {
    replaced(&[
        (
            "\"req.json\"",
            "\"nope.json\"",
            7,
            "dataset alpha/d: request_schema \"nope.json\" not found under schemas/",
        ),
        (
            "\"resp.json\"",
            "\"nope.json\"",
            8,
            "dataset alpha/d: response_schema \"nope.json\" not found",
        ),
    ]);
    alpha(
        &insert("subject_field = \"who\"\n"),
        9,
        "dataset alpha/d: subject_field \"who\" is not a property of its request schema",
    );
}

#[test]
fn mandates_live_in_the_register() {
    let m = insert("[datasets.mandate]\ndeadline = \"2024-02-29\"\nofficial = \"A. Official\"\n");
    alpha(
        &m,
        9,
        "dataset alpha/d: mandates live in the mandate register (policies/mandates.toml), kept by the competent authority; an agency file cannot create, move or remove one",
    );
}

#[test]
fn refusal_rules() {
    let rule = |fields: &str| insert(&format!("[[datasets.refusals]]\n{fields}\n"));
    alpha(
        &rule("legal_basis = \" \"\nreason = \"r\""),
        9,
        "dataset alpha/d: refusal rule #1: legal_basis must not be empty",
    );
    alpha(
        &rule("legal_basis = \"Act 1\"\nreason = \"\""),
        9,
        "dataset alpha/d: refusal rule #1: reason must not be empty",
    );
    alpha(
        &rule("legal_basis = \"Act 1\""),
        9,
        "missing field `reason`",
    );
    let ghost = "consumers = [\"ghost\"]\nlegal_basis = \"Act 1\"\nreason = \"r\"";
    alpha(&rule(ghost), 9, "dataset alpha/d: refusal rule #1 names consumer \"ghost\", which is not in policies/consumers.toml");
}

#[test]
fn http_sources() {
    let http =
        |url: &str, extra: &str| source(&format!("kind = \"http\"\nurl = \"{url}\"\n{extra}"));
    let https = "https://agency.example/x";
    for (url, extra, says) in [
        (
            "http://127.0.0.1:9/x",
            "ca_file = \"ca.pem\"\n",
            "dataset alpha/d: ca_file, client_cert and client_key apply only to https:// source URLs",
        ),
        (https, "ca_file = \"ca.pem\"\n", "dataset alpha/d: source TLS: "),
        (https, "client_cert = \"c.pem\"\n", "dataset alpha/d: source TLS: "),
        (
            "ftp://x",
            "",
            "dataset alpha/d: source url must be an absolute http:// or https:// URL",
        ),
        ("http://x/y?q=1", "", "source url must be an absolute"),
        ("http://x/y", "timeout_s = 1\n", "unknown field `timeout_s`"),
    ] {
        alpha(&http(url, extra), 9, says);
    }
    alpha(&source("kind = \"ftp\"\n"), 10, "unknown variant `ftp`");
}

#[test]
fn sql_sources() {
    let sql = |url: &str, query: &str, extra: &str| {
        source(&format!(
            "kind = \"sql\"\nurl = \"{url}\"\nquery = \"{query}\"\n{extra}"
        ))
    };
    let select = "SELECT a FROM t WHERE a = :id";
    let (file, seed) = ("sqlite://data/x.db", "seed = \"seeds/x.sql\"\n");
    for (url, query, extra, says) in [
        (
            file,
            "DELETE FROM t",
            "",
            "dataset alpha/d: the query must be a single SELECT",
        ),
        (
            file,
            "SELECT a FROM t WHERE a = :nope",
            "",
            "dataset alpha/d: query parameter :nope is not a property of the request schema",
        ),
        (
            "oracle://h/db",
            select,
            "",
            "dataset alpha/d: source url must start with sqlite:, postgres: or mysql:",
        ),
        (
            "postgres://h:port/db",
            select,
            "",
            "dataset alpha/d: cannot open the database",
        ),
        (
            "postgres://h/db",
            select,
            seed,
            "dataset alpha/d: seed works only with a sqlite file URL",
        ),
        (file, select, seed, "seeds/x.sql not found"),
    ] {
        alpha(&sql(url, query, extra), 9, says);
    }
    let dir = dir_with(&[(
        FILE,
        &sql("sqlite://data/x.db", select, "seed = \"seeds/x.sql\"\n"),
    )]);
    write(dir.path(), "seeds/x.sql", "CREATE TABLE t (a TEXT);");
    let loaded = crate::config::load(dir.path(), &crate::config::Overrides::default()).unwrap();
    assert!(
        !dir.path().join("data/x.db").exists(),
        "loading seeds nothing"
    );
    let ds = loaded.catalog.dataset("alpha", "d").unwrap();
    let crate::source::SourceSpec::Sql(s) = &ds.source else {
        panic!("sql")
    };
    let want = format!("sqlite://{}", dir.path().join("data/x.db").display());
    assert_eq!(s.url, want, "resolved against the config dir");
    assert_eq!(
        s.seed.as_deref(),
        Some(dir.path().join("seeds/x.sql").as_path())
    );
}
