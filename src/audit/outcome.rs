//! The outcome of a request (exactly one per audit record; `event` for witnessed events) and
//! schema-check results.

use std::fmt;

/// What happened to one request. A store failure is not an outcome: nothing is recorded
/// and nothing is served (503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The source answered and the consumer got the data.
    Served,
    /// A policy rule or the source itself said no.
    Refused,
    /// The dataset is on the state-secret list; never routed.
    Exempt,
    /// The request itself was wrong (schema, unknown dataset, missing purpose, …).
    RejectedRequest,
    /// No or unknown credentials.
    Unauthenticated,
    /// The consumer exceeded its rate limit.
    RateLimited,
    /// The source failed, timed out or was unreachable.
    SourceError,
    /// The source's answer broke the dataset's response schema (blocked).
    InvalidResponse,
    /// Not a request: a witnessed event (a read of audit data, a summary of rejections, a
    /// change to the rules). Its record carries an [`Event`](super::Event). Not in
    /// [`Outcome::ALL`], which lists what can happen to a request.
    Event,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::Served,
        Outcome::Refused,
        Outcome::Exempt,
        Outcome::RejectedRequest,
        Outcome::Unauthenticated,
        Outcome::RateLimited,
        Outcome::SourceError,
        Outcome::InvalidResponse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Served => "served",
            Outcome::Refused => "refused",
            Outcome::Exempt => "exempt",
            Outcome::RejectedRequest => "rejected_request",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::RateLimited => "rate_limited",
            Outcome::SourceError => "source_error",
            Outcome::InvalidResponse => "invalid_response",
            Outcome::Event => "event",
        }
    }

    /// A request outcome or `event`.
    pub fn parse(s: &str) -> Option<Outcome> {
        if s == "event" {
            return Some(Outcome::Event);
        }
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one schema check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaResult {
    Valid,
    Invalid,
    /// The check did not run (the request stopped earlier).
    NotChecked,
}

impl SchemaResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaResult::Valid => "valid",
            SchemaResult::Invalid => "invalid",
            SchemaResult::NotChecked => "not_checked",
        }
    }

    pub fn parse(s: &str) -> Option<SchemaResult> {
        match s {
            "valid" => Some(SchemaResult::Valid),
            "invalid" => Some(SchemaResult::Invalid),
            "not_checked" => Some(SchemaResult::NotChecked),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("nope"), None);
    }
}
