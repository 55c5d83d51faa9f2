//! Witnessed events: records in the chain that are not data requests — a read of audit data, a
//! summary of rejections counted instead of recorded one by one, a change to the rules.
//!
//! An event record is an ordinary [`Entry`](super::Entry) with outcome
//! [`Outcome::Event`](super::Outcome::Event) and an [`Event`]: its kind and a JSON object with
//! the facts. The object enters the record hash in a canonical form (keys sorted at every
//! level, no white space), so the same facts always hash alike whatever built them.

use serde_json::{Map, Value};

/// What kind of event a record witnesses. The names are stored and shown; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Someone read audit data (records, proofs, refusal lists, exports, an access log): who,
    /// which filter, how many records came back.
    AuditRead,
    /// Rejections beyond a client's allowance, accounted for by count instead of one record
    /// each (count, first and last time, client, consumer).
    RejectionSummary,
    /// The catalogue in force changed (at start or on an accepted reload).
    CatalogChange,
    /// The refusing agency's officer justified one refusal (legal basis, reason, document).
    RefusalJustification,
    /// The consumer appealed one of its refused requests.
    Appeal,
    /// Oversight decided an appeal (upheld or overturned, with a note).
    AppealVerdict,
    /// An agency officer proposed catalogue files for its agency (the texts, what they change).
    ChangeProposal,
    /// Oversight approved a proposal that narrows sharing; it takes effect.
    ChangeApproval,
    /// Oversight rejected a proposal; the catalogue stays as it is.
    ChangeRejection,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::AuditRead,
        EventKind::RejectionSummary,
        EventKind::CatalogChange,
        EventKind::RefusalJustification,
        EventKind::Appeal,
        EventKind::AppealVerdict,
        EventKind::ChangeProposal,
        EventKind::ChangeApproval,
        EventKind::ChangeRejection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AuditRead => "audit_read",
            EventKind::RejectionSummary => "rejection_summary",
            EventKind::CatalogChange => "catalog_change",
            EventKind::RefusalJustification => "refusal_justification",
            EventKind::Appeal => "appeal",
            EventKind::AppealVerdict => "appeal_verdict",
            EventKind::ChangeProposal => "change_proposal",
            EventKind::ChangeApproval => "change_approval",
            EventKind::ChangeRejection => "change_rejection",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The body of an event was not a JSON object.
#[derive(Debug, thiserror::Error)]
#[error("an event's facts must be a JSON object, not {0}")]
pub struct NotAnObject(&'static str);

/// One witnessed event: its kind and its facts (a JSON object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    facts: Map<String, Value>,
}

impl Event {
    /// An event of `kind` with `facts`, which must be a JSON object.
    pub fn new(kind: EventKind, facts: Value) -> Result<Event, NotAnObject> {
        match facts {
            Value::Object(facts) => Ok(Event { kind, facts }),
            Value::Null => Err(NotAnObject("null")),
            Value::Bool(_) => Err(NotAnObject("a boolean")),
            Value::Number(_) => Err(NotAnObject("a number")),
            Value::String(_) => Err(NotAnObject("a string")),
            Value::Array(_) => Err(NotAnObject("an array")),
        }
    }

    /// The facts.
    pub fn facts(&self) -> &Map<String, Value> {
        &self.facts
    }

    /// The facts in canonical form: what the record hash covers and the store keeps.
    pub fn canonical_facts(&self) -> String {
        let mut out = String::new();
        write_canonical(&mut out, &Value::Object(self.facts.clone()));
        out
    }
}

/// JSON with object keys sorted at every level and no white space (strings and numbers as
/// serde_json writes them), whatever order the map keeps its keys in.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, v);
    out
}

fn write_canonical(out: &mut String, v: &Value) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(out, &m[k]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EventKind::parse("nope"), None);
    }

    #[test]
    fn facts_must_be_an_object() {
        assert!(Event::new(EventKind::AuditRead, json!({})).is_ok());
        let e = Event::new(EventKind::AuditRead, json!([1])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "an event's facts must be a JSON object, not an array"
        );
        assert!(Event::new(EventKind::AuditRead, json!("x")).is_err());
    }

    #[test]
    fn canonical_form_sorts_keys_at_every_level() {
        let a = json!({"b": 1, "a": {"z": [1, {"y": "é\"", "x": null}], "c": true}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":true,"z":[1,{"x":null,"y":"é\""}]},"b":1}"#
        );
        let e = Event::new(EventKind::RejectionSummary, a.clone()).unwrap();
        assert_eq!(e.canonical_facts(), canonical_json(&a));
    }
}
