//! [`Justification`]: why a request was refused and who decided — one type from the policy rule
//! to the problem+json answer to the audit record. A justified refusal has a legal basis and a
//! reason, neither empty; an unjustified one (a source's bare 403/451) has neither.

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

/// Text that is not empty and not only white space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

/// The text was empty or only white space.
#[derive(Debug, thiserror::Error)]
#[error("must not be empty")]
pub struct EmptyText;

impl Text {
    /// Trimmed text; policies and sources are read through this.
    pub fn new(s: &str) -> Result<Self, EmptyText> {
        let t = s.trim();
        if t.is_empty() {
            Err(EmptyText)
        } else {
            Ok(Text(t.to_owned()))
        }
    }

    /// Text read back from the audit log, kept byte for byte (its hash covers every byte).
    pub fn stored(s: String) -> Result<Self, EmptyText> {
        if s.trim().is_empty() {
            Err(EmptyText)
        } else {
            Ok(Text(s))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The grounds of a justified refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grounds {
    /// The law, decree or article the refusal rests on.
    pub legal_basis: Text,
    /// A reason a person can read.
    pub reason: Text,
}

/// Why a request was refused, and who decided it.
///
/// Shown (problem+json), recorded (audit record JSON) and archived as
/// `{"legal_basis", "reason", "decided_by", "status"}`, with `null` basis and reason and status
/// `unjustified` when there are no grounds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Columns")]
pub struct Justification {
    /// `policy:<agency>/<dataset>#<rule>` or `source:<agency>/<dataset>`.
    pub decided_by: String,
    /// `None`: refused without grounds (recorded as `unjustified`).
    pub grounds: Option<Grounds>,
}

/// Whether a refusal came with a justification. Policy refusals always do; a source's own
/// 403/451 is `Unjustified` unless the source supplied a legal basis and a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JustificationStatus {
    Justified,
    Unjustified,
}

impl JustificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JustificationStatus::Justified => "justified",
            JustificationStatus::Unjustified => "unjustified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "justified" => Some(JustificationStatus::Justified),
            "unjustified" => Some(JustificationStatus::Unjustified),
            _ => None,
        }
    }
}

/// Stored columns that do not make a justification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadJustification {
    #[error("unknown justification status {0:?}")]
    UnknownStatus(Option<String>),
    #[error("a justified refusal needs a non-empty legal basis and reason")]
    MissingGrounds,
    #[error("an unjustified refusal has no legal basis or reason")]
    UnexpectedGrounds,
}

impl Justification {
    /// A refusal with its legal basis and reason.
    pub fn justified(legal_basis: Text, reason: Text, decided_by: impl Into<String>) -> Self {
        Justification {
            decided_by: decided_by.into(),
            grounds: Some(Grounds {
                legal_basis,
                reason,
            }),
        }
    }

    /// A refusal without grounds.
    pub fn unjustified(decided_by: impl Into<String>) -> Self {
        Justification {
            decided_by: decided_by.into(),
            grounds: None,
        }
    }

    pub fn status(&self) -> JustificationStatus {
        match self.grounds {
            Some(_) => JustificationStatus::Justified,
            None => JustificationStatus::Unjustified,
        }
    }

    pub fn legal_basis(&self) -> Option<&str> {
        self.grounds.as_ref().map(|g| g.legal_basis.as_str())
    }

    pub fn reason(&self) -> Option<&str> {
        self.grounds.as_ref().map(|g| g.reason.as_str())
    }

    /// Rebuild from the audit log's four columns; `Ok(None)` when no one decided (not a
    /// refusal). The texts are kept byte for byte.
    pub fn from_columns(
        decided_by: Option<String>,
        legal_basis: Option<String>,
        reason: Option<String>,
        status: Option<String>,
    ) -> Result<Option<Self>, BadJustification> {
        let Some(decided_by) = decided_by else {
            return Ok(None);
        };
        let text = |t: Option<String>| t.and_then(|t| Text::stored(t).ok());
        let grounds = match status.as_deref().and_then(JustificationStatus::parse) {
            None => return Err(BadJustification::UnknownStatus(status)),
            Some(JustificationStatus::Justified) => match (text(legal_basis), text(reason)) {
                (Some(legal_basis), Some(reason)) => Some(Grounds {
                    legal_basis,
                    reason,
                }),
                _ => return Err(BadJustification::MissingGrounds),
            },
            Some(JustificationStatus::Unjustified) => {
                if legal_basis.is_some() || reason.is_some() {
                    return Err(BadJustification::UnexpectedGrounds);
                }
                None
            }
        };
        Ok(Some(Justification {
            decided_by,
            grounds,
        }))
    }
}

impl Serialize for Justification {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut s = ser.serialize_struct("Justification", 4)?;
        s.serialize_field("legal_basis", &self.legal_basis())?;
        s.serialize_field("reason", &self.reason())?;
        s.serialize_field("decided_by", &self.decided_by)?;
        s.serialize_field("status", self.status().as_str())?;
        s.end()
    }
}

/// The serialized shape, read back (archive files, records in proofs).
#[derive(Deserialize)]
struct Columns {
    legal_basis: Option<String>,
    reason: Option<String>,
    decided_by: String,
    status: String,
}

impl TryFrom<Columns> for Justification {
    type Error = BadJustification;

    fn try_from(c: Columns) -> Result<Self, BadJustification> {
        let j = Justification::from_columns(
            Some(c.decided_by),
            c.legal_basis,
            c.reason,
            Some(c.status),
        )?;
        // `decided_by` was given, so there is a justification.
        j.ok_or(BadJustification::UnknownStatus(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_be_empty() {
        assert!(Text::new("").is_err());
        assert!(Text::new(" \t\n").is_err());
        assert_eq!(Text::new("  Art. 7 ").unwrap().as_str(), "Art. 7");
        assert_eq!(Text::stored(" kept ".into()).unwrap().as_str(), " kept ");
        assert!(Text::stored(" ".into()).is_err());
    }

    #[test]
    fn json_shapes_are_the_published_ones() {
        let j = Justification::justified(
            Text::new("Art. 7").unwrap(),
            Text::new("court order").unwrap(),
            "policy:a/d#1",
        );
        let v = serde_json::to_string(&j).unwrap();
        assert_eq!(
            v,
            r#"{"legal_basis":"Art. 7","reason":"court order","decided_by":"policy:a/d#1","status":"justified"}"#
        );
        assert_eq!(serde_json::from_str::<Justification>(&v).unwrap(), j);
        let u = Justification::unjustified("source:a/d");
        let v = serde_json::to_string(&u).unwrap();
        assert_eq!(
            v,
            r#"{"legal_basis":null,"reason":null,"decided_by":"source:a/d","status":"unjustified"}"#
        );
        assert_eq!(serde_json::from_str::<Justification>(&v).unwrap(), u);
    }

    #[test]
    fn columns_that_break_the_rule_are_rejected() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            Justification::from_columns(None, None, None, None),
            Ok(None)
        );
        assert_eq!(
            Justification::from_columns(s("p"), s("Art. 1"), None, s("justified")),
            Err(BadJustification::MissingGrounds)
        );
        assert_eq!(
            Justification::from_columns(s("p"), s(" "), s("r"), s("justified")),
            Err(BadJustification::MissingGrounds)
        );
        assert_eq!(
            Justification::from_columns(s("p"), None, s("r"), s("unjustified")),
            Err(BadJustification::UnexpectedGrounds)
        );
        assert_eq!(
            Justification::from_columns(s("p"), None, None, s("maybe")),
            Err(BadJustification::UnknownStatus(s("maybe")))
        );
        assert_eq!(
            Justification::from_columns(s("p"), None, None, s("unjustified")),
            Ok(Some(Justification::unjustified("p")))
        );
        let bad = r#"{"legal_basis":"Art. 1","reason":null,"decided_by":"p","status":"justified"}"#;
        assert!(serde_json::from_str::<Justification>(bad).is_err());
    }
}
