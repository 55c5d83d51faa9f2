//! Validated identifiers for agencies and datasets.
//!
//! Ids are the only path segments the router accepts, so the grammar is strict:
//! `[a-z0-9][a-z0-9-]{0,63}`. Anything else (dots, slashes, percent-escapes, upper case) is
//! rejected before it can reach a lookup, a log line or a file name.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// An agency or dataset identifier that matched the id grammar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

/// The id did not match `[a-z0-9][a-z0-9-]{0,63}`.
#[derive(Debug, thiserror::Error)]
#[error("invalid id {0:?}: use 1-64 characters of lowercase a-z, 0-9 and '-', starting with a letter or digit")]
pub struct InvalidIdent(pub String);

impl Ident {
    /// Check `s` against the id grammar.
    pub fn parse(s: &str) -> Result<Self, InvalidIdent> {
        if Self::is_valid(s) {
            Ok(Ident(s.to_owned()))
        } else {
            Err(InvalidIdent(s.chars().take(80).collect()))
        }
    }

    /// True when `s` matches the id grammar.
    pub fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Ident {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ident::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Ident;

    #[test]
    fn grammar() {
        for ok in ["moj", "civil-status", "a", "0x1", "p-delta-2"] {
            assert!(Ident::is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "A",
            "a/b",
            "..",
            "a.b",
            "%2e",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(!Ident::is_valid(bad), "{bad}");
        }
    }
}
