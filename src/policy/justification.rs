//! Justifications: a legal basis and a reason, neither of which can be empty.

use std::fmt;

use serde::Serialize;

/// Text that is not empty and not only white space, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

/// The text was empty or only white space.
#[derive(Debug, thiserror::Error)]
#[error("must not be empty")]
pub struct EmptyText;

impl Text {
    pub fn new(s: &str) -> Result<Self, EmptyText> {
        let t = s.trim();
        if t.is_empty() {
            Err(EmptyText)
        } else {
            Ok(Text(t.to_owned()))
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

/// Why a request was refused, and who decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Justification {
    /// The law, decree or article the refusal rests on.
    pub legal_basis: Text,
    /// A reason a person can read.
    pub reason: Text,
    /// `policy:<agency>/<dataset>#<rule>` or `source:<agency>/<dataset>`.
    pub decided_by: String,
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

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn text_cannot_be_empty() {
        assert!(Text::new("").is_err());
        assert!(Text::new(" \t\n").is_err());
        assert_eq!(Text::new("  Art. 7 ").unwrap().as_str(), "Art. 7");
    }
}
