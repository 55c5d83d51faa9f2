//! Store surgery for the tamper tests: what someone with write access to the SQLite audit
//! store, but without the signing key, can do to a chain behind the gateway's back.

use super::Catalogue;

const CUT_RECORDS: &str = "DELETE FROM audit_records WHERE seq > $1";
const CUT_CHECKPOINTS: &str = "DELETE FROM audit_checkpoints WHERE tree_size > $1";
const REWIND_HEAD: &str =
    "UPDATE audit_chains SET seq = $1, hash = (SELECT hash FROM audit_records WHERE seq = $1)";

/// Cut the chain after `keep` records and rewind its head row, leaving the checkpoints above
/// the cut in place (only a signed checkpoint shows the cut).
pub async fn cut_tail(cat: &Catalogue, keep: i64) {
    run(cat, keep, &[CUT_RECORDS, REWIND_HEAD]).await;
}

/// Cut the chain after `keep` records, delete the checkpoints above the cut and rewind its head
/// row: the store is then consistent with itself (only the anchor file shows it).
pub async fn rewind(cat: &Catalogue, keep: i64) {
    run(cat, keep, &[CUT_RECORDS, CUT_CHECKPOINTS, REWIND_HEAD]).await;
}

async fn run(cat: &Catalogue, keep: i64, statements: &[&str]) {
    let mut db = cat.audit_sqlite().await;
    for sql in statements {
        sqlx::query(sql).bind(keep).execute(&mut db).await.unwrap();
    }
    sqlx::Connection::close(db).await.unwrap();
}

/// `dxgate audit reanchor --node test-node --reason <reason>`: the operator accepts the stored
/// chain as it is. Returns (exit code, stdout, stderr).
pub fn reanchor(cat: &Catalogue, reason: &str) -> (i32, String, String) {
    let args = [
        "audit",
        "reanchor",
        "--node",
        "test-node",
        "--reason",
        reason,
    ];
    super::run_cli(&args, cat.path())
}
