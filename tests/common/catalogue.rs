//! A small, complete catalogue written to a temp dir: one agency per kind of behaviour.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::{Connection, SqliteConnection};
use tempfile::TempDir;

use super::Upstream;

pub const PORTAL_KEY: &str = "portal-key";
pub const POLICE_KEY: &str = "police-key";
pub const LIMITED_KEY: &str = "limited-key";
pub const OFFICER_ALPHA_KEY: &str = "officer-alpha-key";
pub const OFFICER_BETA_KEY: &str = "officer-beta-key";
pub const OVERSIGHT_KEY: &str = "oversight-key";

/// A config directory on disk, removed when dropped.
pub struct Catalogue {
    dir: TempDir,
}

fn sha(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

const REQ_PERSON: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
 "properties":{"citizen_id":{"type":"string","pattern":"^[0-9]{3}$"}},
 "required":["citizen_id"],"additionalProperties":false}"#;
const RESP_PERSON: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array",
 "items":{"type":"object","properties":{"citizen_id":{"type":"string"},"name":{"type":"string"},"born":{"type":["integer","null"]}},
 "required":["citizen_id","name"],"additionalProperties":false}}"#;
const REQ_CODE: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
 "properties":{"code":{"type":"string","pattern":"^[0-9]{4}$"}},"required":["code"],"additionalProperties":false}"#;
const RESP_CODE: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
 "properties":{"code":{"type":"string"},"name":{"type":"string"},"purpose":{"type":"string"}},
 "required":["code","name"],"additionalProperties":false}"#;
const SEED: &str =
    "CREATE TABLE people (citizen_id TEXT PRIMARY KEY, name TEXT NOT NULL, born INTEGER);
INSERT INTO people VALUES ('001','An Nguyen',1990),('002','Binh Tran',1985),('003','Chi Le',NULL);";

/// Harvest settings that block a consumer for an hour after 3 subjects in an hour.
pub const HARVEST_BLOCK_1H: &str =
    "[harvest]\nwindow = \"1h\"\nmin_subjects = 3\nblock = true\nblock_for = \"1h\"\n";

/// alpha's HTTP dataset that always serves.
pub const HTTP_OK: &str = "/v1/data/alpha/http-ok?code=1234";
/// alpha's dataset that a refusal rule closes to all but the police.
pub const RESTRICTED: &str = "/v1/data/alpha/restricted?citizen_id=001";

/// The path that looks up one person in alpha/people.
pub fn person(id: &str) -> String {
    format!("/v1/data/alpha/people?citizen_id={id}")
}

/// An extra agency `gamma` (sector) holding `datasets`.
pub fn gamma(datasets: &str) -> String {
    format!("id = \"gamma\"\nname = \"Gamma Sector\"\nkind = \"sector\"\n{datasets}")
}

/// One `[[datasets]]` entry with code schemas and an HTTP source at `url` (2 s timeout);
/// `source` is added to the source table, `extra` to the dataset table.
pub fn http_dataset(id: &str, url: &str, source: &str, extra: &str) -> String {
    format!(
        "[[datasets]]\nid = \"{id}\"\ntitle = \"{id}\"\nrequest_schema = \"code.request.json\"\nresponse_schema = \"code.response.json\"\n{extra}\n\
         [datasets.source]\nkind = \"http\"\nurl = \"{url}\"\ntimeout = \"2s\"\n{source}\n"
    )
}

impl Catalogue {
    /// The standard test catalogue with its HTTP datasets pointing at `up`.
    pub fn on(up: &Upstream) -> Catalogue {
        Catalogue::new(&format!("http://{}", up.addr))
    }

    /// The standard test catalogue; HTTP datasets point at `upstream` (e.g. `http://127.0.0.1:PORT`).
    pub fn new(upstream: &str) -> Catalogue {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Catalogue { dir };
        c.write("schemas/person.request.json", REQ_PERSON);
        c.write("schemas/person.response.json", RESP_PERSON);
        c.write("schemas/code.request.json", REQ_CODE);
        c.write("schemas/code.response.json", RESP_CODE);
        c.write("seeds/alpha.sql", SEED);
        c.write(
            "dxgate.toml",
            "[server]\nnode_id = \"test-node\"\nmax_request_body = 4096\n",
        );
        c.write(
            "policies/consumers.toml",
            &format!(
                r#"
[[consumers]]
id = "portal"
name = "Service portal"
api_key_sha256 = "{}"
[[consumers]]
id = "police"
name = "Police"
api_key_sha256 = "{}"
[[consumers]]
id = "limited"
name = "Rate-limited consumer"
api_key_sha256 = "{}"
rate_per_second = 1
burst = 2
[[consumers]]
id = "officer-alpha"
name = "Alpha officer"
roles = ["agency"]
agency = "alpha"
api_key_sha256 = "{}"
[[consumers]]
id = "officer-beta"
name = "Beta officer"
roles = ["agency"]
agency = "beta"
api_key_sha256 = "{}"
[[consumers]]
id = "oversight"
name = "Oversight office"
roles = ["oversight"]
api_key_sha256 = "{}"
"#,
                sha(PORTAL_KEY),
                sha(POLICE_KEY),
                sha(LIMITED_KEY),
                sha(OFFICER_ALPHA_KEY),
                sha(OFFICER_BETA_KEY),
                sha(OVERSIGHT_KEY)
            ),
        );
        c.write(
            "policies/state-secrets.toml",
            "[[entries]]\ndataset = \"alpha/secret\"\nlisted_by = \"Decision 1/TEST\"\n",
        );
        let person = |id: &str, extra: &str| {
            format!(
                r#"
[[datasets]]
id = "{id}"
title = "People ({id})"
request_schema = "person.request.json"
response_schema = "person.response.json"
subject_field = "citizen_id"
[datasets.source]
kind = "sql"
url = "sqlite://data/sources/alpha.db"
seed = "seeds/alpha.sql"
query = "SELECT citizen_id, name, born FROM people WHERE citizen_id = :citizen_id"
{extra}
"#
            )
        };
        let http = |id: &str, path: &str, extra: &str| {
            format!(
                r#"
[[datasets]]
id = "{id}"
title = "HTTP ({id})"
request_schema = "code.request.json"
response_schema = "code.response.json"
{extra}
[datasets.source]
kind = "http"
url = "{upstream}{path}"
timeout = "2s"
max_response_bytes = 16384
"#
            )
        };
        let mut alpha =
            String::from("id = \"alpha\"\nname = \"Ministry of Alpha\"\nkind = \"ministry\"\n");
        alpha += &person("people", "");
        alpha += &person(
            "restricted",
            "[[datasets.refusals]]\nexcept_consumers = [\"police\"]\nlegal_basis = \"Records Act, Art. 7(2)\"\nreason = \"Only investigating bodies may receive these records.\"\n",
        );
        alpha += &person(
            "purposeful",
            "[[datasets.refusals]]\npurposes_not_in = [\"social-benefit\"]\nlegal_basis = \"Benefits Act, Art. 3\"\nreason = \"Only for social-benefit decisions.\"\n",
        );
        alpha += &person("secret", "");
        alpha += &http("http-ok", "/ok", "");
        alpha += &http("http-post", "/echo", "");
        alpha += &http("refuse-justified", "/refuse-justified", "");
        alpha += &http("refuse-bare", "/refuse-bare", "");
        alpha += &http("invalid-block", "/invalid", "");
        alpha += &http("invalid-flag", "/invalid", "on_invalid_response = \"flag\"");
        alpha += &http("malformed", "/malformed", "");
        alpha += &http("fails", "/fail", "");
        alpha += &http("missing", "/missing", "");
        alpha += &http("big", "/big", "");
        alpha += &http("slow", "/slow", "");
        c.write("policies/agencies/alpha.toml", &alpha);
        let mut beta =
            String::from("id = \"beta\"\nname = \"Beta Province\"\nkind = \"province\"\n");
        beta += &http("licences", "/ok", "");
        beta += r#"
[[datasets]]
id = "down"
title = "Unreachable"
request_schema = "code.request.json"
response_schema = "code.response.json"
[datasets.source]
kind = "http"
url = "http://127.0.0.1:9/nothing"
timeout = "2s"
"#;
        c.write("policies/agencies/beta.toml", &beta);
        c
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Append `text` to the file `rel` (created if missing).
    pub fn append(&self, rel: &str, text: &str) {
        let old = std::fs::read_to_string(self.file(rel)).unwrap_or_default();
        self.write(rel, &format!("{old}\n{text}\n"));
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap()
    }

    /// The standard catalogue on `up` plus agency gamma holding `datasets` (see [`gamma`]).
    pub fn with_gamma(up: &Upstream, datasets: &str) -> Catalogue {
        let cat = Catalogue::on(up);
        cat.write("policies/agencies/gamma.toml", &gamma(datasets));
        cat
    }

    /// The standard catalogue on `up` with `settings` as its whole `dxgate.toml`.
    pub fn with_settings(up: &Upstream, settings: &str) -> Catalogue {
        let cat = Catalogue::on(up);
        cat.write("dxgate.toml", settings);
        cat
    }

    /// The standard catalogue on `up` with `settings` added to its `dxgate.toml`.
    pub fn with_more_settings(up: &Upstream, settings: &str) -> Catalogue {
        let cat = Catalogue::on(up);
        cat.append("dxgate.toml", settings);
        cat
    }

    /// Replace the first `from` in `rel` by `to`; panics when `from` is not there, so a test
    /// never goes on with a change that did not happen.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let old = self.read(rel);
        let new = old.replacen(from, to, 1);
        assert_ne!(old, new, "{rel} has no {from:?} to change");
        self.write(rel, &new);
    }

    /// The audit store's SQLite file.
    pub fn audit_db(&self) -> PathBuf {
        self.file("data/audit.db")
    }

    /// A connection to the audit store's SQLite file.
    pub async fn audit_sqlite(&self) -> SqliteConnection {
        let url = format!("sqlite://{}", self.audit_db().display());
        SqliteConnection::connect(&url)
            .await
            .expect("open the audit DB")
    }
}
