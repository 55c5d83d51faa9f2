//! The case and end-user phase (as X-Road's `issue` and `userId`): the case or file reference a
//! request serves (`Data-Case`) and the civil servant it is made for — named in `On-Behalf-Of`
//! by a consumer trusted for it, or proven by an eID token in `Data-User-Token`. Both enter the
//! record only as keyed hashes. A dataset with `require_case` needs both.

use http::HeaderMap;

use crate::audit::Entry;
use crate::config::Dataset;
use crate::gateway::Gateway;
use crate::identity::Consumer;
use crate::server::problem::{Problem, ProblemKind};

/// Longest `Data-Case` or `On-Behalf-Of` accepted, in characters.
pub const MAX_CASE_CHARS: usize = 128;
/// Longest `Data-User-Token` accepted, in bytes.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A reference as the header carries it: printable ASCII letters, digits and `-_./:#` only,
/// 1..=128 characters, trimmed. Anything else is 400 `invalid-case` naming the header.
fn reference(headers: &HeaderMap, name: &str) -> Result<Option<String>, Problem> {
    let Some(raw) = headers.get(name) else {
        return Ok(None);
    };
    let text = std::str::from_utf8(raw.as_bytes()).unwrap_or("").trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_./:#".contains(c);
    if text.is_empty() || text.len() > MAX_CASE_CHARS || !text.chars().all(allowed) {
        return Err(Problem::new(
            ProblemKind::InvalidCase,
            format!(
                "{name} must be 1 to {MAX_CASE_CHARS} characters of A-Z, a-z, 0-9 and - _ . / : #"
            ),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// Read `Data-Case` and the end user into `entry` (keyed hashes); then, for a dataset with
/// `require_case`, insist on both. "No": 400 `invalid-case` (unusable header or token), 403
/// `on-behalf-not-trusted` (`On-Behalf-Of` from a consumer not trusted for it), 400
/// `case-required`. All are recorded `rejected_request`, naming the dataset.
pub(super) async fn case_phase(
    gw: &Gateway,
    ds: &Dataset,
    consumer: &Consumer,
    headers: &HeaderMap,
    entry: &mut Entry,
) -> Result<(), Problem> {
    if let Some(case) = reference(headers, "data-case")? {
        entry.data_case_hash = Some(gw.subject_key.case_hash(&case));
    }
    if let Some(user) = end_user(gw, consumer, headers).await? {
        entry.end_user_hash = Some(gw.subject_key.end_user_hash(&user));
    }
    if !ds.require_case {
        return Ok(());
    }
    let missing: Vec<&str> = [
        (entry.data_case_hash.is_none(), "a Data-Case header (the case or file reference)"),
        (
            entry.end_user_hash.is_none(),
            "the end user (On-Behalf-Of from a trusted consumer, or Data-User-Token with their eID token)",
        ),
    ]
    .into_iter()
    .filter_map(|(absent, what)| absent.then_some(what))
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Problem::new(
        ProblemKind::CaseRequired,
        format!(
            "{}/{} is released only for a named case and end user; send {}",
            ds.agency,
            ds.id,
            missing.join(" and ")
        ),
    ))
}

/// The end user: `Data-User-Token` (an eID token the gateway verifies; its citizen identifier,
/// else its subject) or `On-Behalf-Of` from a consumer with `trusted_on_behalf`. Both at once
/// is 400: a request has one end user.
async fn end_user(
    gw: &Gateway,
    consumer: &Consumer,
    headers: &HeaderMap,
) -> Result<Option<String>, Problem> {
    let named = reference(headers, "on-behalf-of")?;
    if named.is_some() && !consumer.trusted_on_behalf {
        return Err(Problem::new(
            ProblemKind::OnBehalfNotTrusted,
            format!(
                "consumer {} is not trusted to name the end user in On-Behalf-Of (trusted_on_behalf in consumers.toml); send the end user's eID token in Data-User-Token instead",
                consumer.id
            ),
        ));
    }
    let Some(raw) = headers.get("data-user-token") else {
        return Ok(named);
    };
    let invalid =
        |why: &str| Problem::new(ProblemKind::InvalidCase, format!("Data-User-Token {why}"));
    if named.is_some() {
        return Err(invalid("and On-Behalf-Of name two end users; send one"));
    }
    let Some(jwt) = &gw.auth.jwt else {
        return Err(invalid(
            "cannot be checked: this gateway has no eID provider ([jwt])",
        ));
    };
    let token = std::str::from_utf8(raw.as_bytes())
        .ok()
        .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_BYTES)
        .ok_or_else(|| invalid("must be an eID token (a JWT)"))?;
    let verified = jwt
        .verify(token.trim())
        .await
        .map_err(|e| invalid(&format!("was not accepted: {e}")))?;
    Ok(Some(verified.citizen_id.unwrap_or(verified.subject)))
}
