//! Steps many tests share: start the standard setup, check an RFC 9457 problem answer, talk raw
//! HTTP/1.1 to the gateway, and poll until a condition holds.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{client, get_over, parts, request_id, Catalogue, Gateway, Upstream};

/// A real upstream, the standard catalogue pointing at it, and the gateway in-process.
pub async fn setup() -> (Upstream, Catalogue, Gateway) {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    (up, cat, gw)
}

/// The body is an RFC 9457 problem with `status`, a type, title and detail, naming the audit
/// record `id`.
pub fn is_problem(ct: &str, body: &Value, status: u16, id: &str) {
    assert_eq!(ct, "application/problem+json", "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"].as_str().unwrap().starts_with("https://"),
        "{body}"
    );
    assert!(!body["title"].as_str().unwrap().is_empty());
    assert!(!body["detail"].as_str().unwrap().is_empty());
    assert_eq!(body["request_id"], id, "problem names its audit record");
}

/// Expect `r` to be a problem answer with `status` ([`is_problem`]); its Request-Id and body.
pub async fn expect_problem(r: reqwest::Response, status: u16) -> (String, Value) {
    let (got, id, ct, body) = parts(r).await;
    assert_eq!(got, status, "{body}");
    is_problem(&ct, &body, status, &id);
    (id, body)
}

/// The status of a GET of each path as `key` (with a purpose), in order: for tables of
/// expected answers.
pub async fn statuses(gw: &Gateway, key: &str, paths: &[&str]) -> Vec<u16> {
    let mut out = Vec::new();
    for path in paths {
        out.push(gw.status(key, path).await);
    }
    out
}

/// Expect `r` to be the harvest alarm's block: 429 `harvest-blocked`, recorded as rate limited
/// with the subject's hash.
pub async fn expect_harvest_blocked(gw: &Gateway, r: reqwest::Response) {
    let (status, id, _, body) = parts(r).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["type"], "https://dxgate.dev/problems/harvest-blocked");
    let rec = super::record(gw, &id).await;
    assert_eq!(rec["outcome"], "rate_limited");
    assert!(rec["subject_hash"].is_string());
}

/// GET `path` as `key` (with a purpose) and expect a problem answer with `status`
/// ([`expect_problem`]); its Request-Id and body.
pub async fn get_problem(gw: &Gateway, key: &str, path: &str, status: u16) -> (String, Value) {
    expect_problem(gw.get(key, path).await, status).await
}

/// Every item of the JSON array `list` has `field` equal to `value`.
pub fn all_have(list: &Value, field: &str, value: &str) -> bool {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .all(|item| item[field] == value)
}

/// Send raw bytes to `gw` (so nothing normalises `..` or refuses odd headers), wait
/// `pause_after` if given, and return the status line's code and the whole answer.
pub async fn raw(gw: &Gateway, bytes: &[u8], pause_after: Option<Duration>) -> (u16, String) {
    let addr = gw.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    if let Some(p) = pause_after {
        tokio::time::sleep(p).await;
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

/// Send every `(key, url)` GET at once (purpose `load`) and expect each served: their
/// Request-Ids, in the order given.
pub async fn served_concurrently(requests: Vec<(&'static str, String)>) -> Vec<String> {
    let c = client();
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(key, url)| {
            let c = c.clone();
            tokio::spawn(async move {
                let r = get_over(&c, &url, key, "load").await;
                assert_eq!(r.status(), 200);
                request_id(&r)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids
}

/// Run the CLI with `args` on `dir` and expect it to fail with exit code 1: its stderr.
pub fn cli_fails(args: &[&str], dir: &std::path::Path) -> String {
    let (code, out, err) = super::run_cli(args, dir);
    assert_eq!(code, 1, "{out}{err}");
    err
}

/// Run `sql` on the SQLite store `db` with `request_id` bound to its one `?` (to tamper with
/// a record).
pub async fn exec_for(db: &mut sqlx::SqliteConnection, sql: &str, request_id: &str) {
    sqlx::query(sql).bind(request_id).execute(db).await.unwrap();
}

/// Run `check` on a fresh SQLite audit store in a temporary directory, then close it.
pub async fn on_sqlite_store(check: impl AsyncFn(&dxgate::audit::Store)) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let store = dxgate::audit::Store::open(&url).await.unwrap();
    check(&store).await;
    store.close().await;
}

/// Run `check` on an audit store in a fresh PostgreSQL database, then close it and drop the
/// database; skips or fails as [`super::databases::require`] does.
pub async fn on_postgres_store(prefix: &str, check: impl AsyncFn(&dxgate::audit::Store)) {
    let Some(db) = super::databases::FreshPostgres::create(prefix).await else {
        return;
    };
    let store = dxgate::audit::Store::open(&db.url).await.unwrap();
    check(&store).await;
    store.close().await;
    db.drop_db().await;
}

/// The string `field` of every item of the JSON array `list`.
pub fn strs<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
}

/// The item of the JSON array `list` whose `field` is `value` (panics naming it when none is).
pub fn item<'a>(list: &'a Value, field: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .find(|item| item[field] == value)
        .unwrap_or_else(|| panic!("no item with {field} = {value:?} in {list}"))
}

/// How many audit records the SQLite store `db` holds for `request_id`.
pub async fn records_for(db: &mut sqlx::SqliteConnection, request_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_records WHERE request_id = ?")
        .bind(request_id)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Poll `check` every 100 ms for up to `secs`; a bounded wait, not a timing assertion.
pub async fn eventually(secs: u64, mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..secs * 10 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// POST `body` as JSON with `key`: (status, JSON body).
pub async fn post_json(gw: &Gateway, key: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(gw.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, _, _, body) = parts(r).await;
    (status, body)
}

/// A problem body's type without the `https://dxgate.dev/problems/` prefix.
pub fn problem_kind(body: &Value) -> &str {
    body["type"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("https://dxgate.dev/problems/")
}
