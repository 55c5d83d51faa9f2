//! Dated official editions of the ranking: each day's ranking (in `[ranking] timezone`),
//! frozen once the day is over, stored and never changed, and signed with the checkpoint key
//! as a C2SP signed note over its SHA-256.
//!
//! The signed note's text names what it vouches for, one fact a line:
//!
//! ```text
//! <origin>/ranking-edition
//! 2026-12-03
//! Asia/Ho_Chi_Minh
//! methodology 1.1
//! sha256 <64 lowercase hex digits of the frozen ranking JSON>
//! ```
//!
//! Its second line is a date, never a tree size, so an edition note can never be taken for a
//! checkpoint signed by the same key (nor a checkpoint for an edition).
//!
//! The edition file (`GET /public/ranking/editions/{date}.json`, what
//! `dxgate ranking verify-edition` checks) is one canonical line:
//! `{"edition":…,"timezone":…,"methodology":…,"sha256":…,"signature":…,"ranking":<body>}` and a
//! newline, where `<body>` is the frozen ranking JSON byte for byte. [`verify`] accepts only
//! that exact form, so changing any one byte of the file makes it fail: the layout, the hash,
//! the facts or the signature no longer match.
//!
//! [`store`] keeps editions (migration 1400: immutable rows) and their per-unit scores for the
//! trend across editions.

pub mod store;

use jiff::civil::Date;
use serde_json::Value;

use crate::audit::note::{NoteError, NoteSigner, NoteVerifier};
use crate::audit::Digest;

/// The last part of an edition note's first line.
const KIND: &str = "/ranking-edition";

/// Why an edition cannot be frozen or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum EditionError {
    #[error("the day {0} is not over yet in {1}: only a finished day is frozen")]
    NotOver(Date, String),
    #[error("no key signs editions here (the checkpoint signing key is not loaded)")]
    NoSigner,
    #[error("not an edition file: {0}")]
    Malformed(String),
    #[error("the ranking's SHA-256 is {actual}, but the edition says {claimed}: the ranking was changed")]
    HashMismatch { claimed: String, actual: String },
    #[error("the signature does not verify with any trusted key: {0}")]
    Signature(NoteError),
    #[error("the file's {field} {file:?} differs from the signed {signed:?}")]
    Differs {
        field: &'static str,
        file: String,
        signed: String,
    },
}

/// What an edition's note signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub date: Date,
    pub timezone: String,
    pub methodology: String,
    pub sha256: Digest,
}

impl Facts {
    /// The note text for `origin` (the checkpoint key's origin).
    pub fn text(&self, origin: &str) -> String {
        format!(
            "{origin}{KIND}\n{}\n{}\nmethodology {}\nsha256 {}\n",
            self.date,
            self.timezone,
            self.methodology,
            self.sha256.to_hex()
        )
    }

    /// Parse a note text written by [`Facts::text`].
    fn parse(text: &str) -> Result<Facts, EditionError> {
        let bad = |why: &str| EditionError::Malformed(format!("signed text: {why}"));
        let lines: Vec<&str> = text
            .strip_suffix('\n')
            .unwrap_or(text)
            .split('\n')
            .collect();
        let [origin, date, zone, methodology, sha] = lines[..] else {
            return Err(bad("expected five lines"));
        };
        if !origin.ends_with(KIND) || origin.len() == KIND.len() {
            return Err(bad("the first line is not <origin>/ranking-edition"));
        }
        let date = crate::calendar::parse_date(date).map_err(|e| bad(&e.to_string()))?;
        let methodology = methodology
            .strip_prefix("methodology ")
            .ok_or_else(|| bad("no methodology line"))?;
        let sha = sha
            .strip_prefix("sha256 ")
            .ok_or_else(|| bad("no sha256 line"))?;
        let sha256 = Digest::from_hex(sha).map_err(|_| bad("sha256 is not 64 hex digits"))?;
        let facts = Facts {
            date,
            timezone: zone.to_owned(),
            methodology: methodology.to_owned(),
            sha256,
        };
        (facts.text(&origin[..origin.len() - KIND.len()]) == text)
            .then_some(facts)
            .ok_or_else(|| bad("not in canonical form"))
    }
}

/// One frozen edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    pub facts: Facts,
    /// The complete signed note over [`Facts::text`].
    pub note: String,
    /// The frozen ranking JSON (what the SHA-256 is of).
    pub body: String,
}

impl Edition {
    /// Sign `body` (the ranking of `date` as JSON) with `signer`.
    pub fn sign(
        signer: &NoteSigner,
        origin: &str,
        date: Date,
        timezone: &str,
        methodology: &str,
        body: String,
    ) -> Edition {
        let facts = Facts {
            date,
            timezone: timezone.to_owned(),
            methodology: methodology.to_owned(),
            sha256: Digest::sha256(body.as_bytes()),
        };
        Edition {
            note: signer.sign(&facts.text(origin)),
            facts,
            body,
        }
    }

    /// The edition file: one canonical JSON line (see the module doc).
    pub fn file(&self) -> String {
        let s = |v: &str| Value::String(v.to_owned()).to_string();
        format!(
            "{}{}}}\n",
            prefix(
                &s(&self.facts.date.to_string()),
                &s(&self.facts.timezone),
                &s(&self.facts.methodology),
                &s(&self.facts.sha256.to_hex()),
                &s(&self.note),
            ),
            self.body
        )
    }
}

fn prefix(date: &str, zone: &str, methodology: &str, sha: &str, note: &str) -> String {
    format!("{{\"edition\":{date},\"timezone\":{zone},\"methodology\":{methodology},\"sha256\":{sha},\"signature\":{note},\"ranking\":")
}

/// An edition file that verified: its facts and the name of the key that signed it.
#[derive(Debug, Clone)]
pub struct Verified {
    pub facts: Facts,
    pub key: String,
}

/// Check an edition file: canonical form, the ranking's SHA-256, and the signature by one of
/// `trusted`.
pub fn verify(file: &[u8], trusted: &[NoteVerifier]) -> Result<Verified, EditionError> {
    let bad = |why: String| EditionError::Malformed(why);
    let text = std::str::from_utf8(file).map_err(|_| bad("not UTF-8".into()))?;
    let whole: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let obj = whole
        .as_object()
        .ok_or_else(|| bad("not a JSON object".into()))?;
    let field = |name: &str| {
        obj.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("no string field {name:?}")))
    };
    let (date, zone, methodology, sha, note) = (
        field("edition")?,
        field("timezone")?,
        field("methodology")?,
        field("sha256")?,
        field("signature")?,
    );
    let s = |v: &str| Value::String(v.to_owned()).to_string();
    let head = prefix(&s(date), &s(zone), &s(methodology), &s(sha), &s(note));
    let body = text
        .strip_prefix(head.as_str())
        .and_then(|rest| rest.strip_suffix("}\n"))
        .filter(|_| obj.len() == 6)
        .ok_or_else(|| bad("not in the canonical edition layout".into()))?;
    let ranking: Value =
        serde_json::from_str(body).map_err(|e| bad(format!("the ranking is not JSON: {e}")))?;
    let actual = Digest::sha256(body.as_bytes()).to_hex();
    if actual != sha {
        return Err(EditionError::HashMismatch {
            claimed: sha.to_owned(),
            actual,
        });
    }
    let mut last = NoteError::NotSigned("any trusted key (none given)".into());
    let (signed, key) = trusted
        .iter()
        .find_map(|v| match v.open(note) {
            Ok(t) => Some((t, v.name().to_owned())),
            Err(e) => {
                last = e;
                None
            }
        })
        .ok_or(EditionError::Signature(last))?;
    let facts = Facts::parse(signed)?;
    let differs = |field: &'static str, file: &str, signed: String| {
        (file != signed).then(|| EditionError::Differs {
            field,
            file: file.to_owned(),
            signed,
        })
    };
    let in_body = ranking["methodology"].as_str().unwrap_or_default();
    if let Some(e) = differs("edition", date, facts.date.to_string())
        .or_else(|| differs("timezone", zone, facts.timezone.clone()))
        .or_else(|| differs("methodology", methodology, facts.methodology.clone()))
        .or_else(|| differs("ranking methodology", in_body, facts.methodology.clone()))
        .or_else(|| differs("sha256", sha, facts.sha256.to_hex()))
    {
        return Err(e);
    }
    Ok(Verified { facts, key })
}

/// The day an edition is frozen for, when `now_ms` is in the day after it (or later).
pub fn check_over(
    date: Date,
    zone: &crate::calendar::Zone,
    now_ms: i64,
) -> Result<(), EditionError> {
    if zone.end_ms(date) > now_ms {
        return Err(EditionError::NotOver(date, zone.name().to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
