//! Purpose-bound field minimisation: a dataset's `[[datasets.fields]]` rules say which fields
//! of its answer each purpose may receive (JSON pointers). The answer is checked against its
//! schema in full first; then only the allowed fields are released. Where a dataset declares
//! rules, a purpose that no rule names receives nothing (a self-declared purpose must not be a
//! way around the rules).

use serde::Serialize;
use serde_json::{Map, Value};

/// One `[[datasets.fields]]` rule: these purposes receive only these fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRule {
    /// `fields:<agency>/<dataset>#<n>` (n counts from 1 in file order); recorded as the
    /// record's `projection`, and with its `catalog_digest` it names the exact rule text.
    pub id: String,
    /// Purposes, compared case-insensitively (trimmed), like refusal rules.
    pub purposes: Vec<String>,
    /// JSON pointers (`/full_name`, `/address/city`); in an array answer, into each element.
    pub allow: Vec<String>,
}

impl FieldRule {
    pub fn matches(&self, purpose: &str) -> bool {
        self.purposes
            .iter()
            .any(|p| p.eq_ignore_ascii_case(purpose.trim()))
    }

    /// `value` with only the allowed fields. Arrays at any level are projected per element;
    /// a pointer naming a field the answer lacks releases nothing for it.
    pub fn project(&self, value: &Value) -> Value {
        let mut tree = Tree::default();
        for p in &self.allow {
            tree.insert(p);
        }
        tree.project(value)
    }
}

/// The first rule naming `purpose`, if any.
pub fn rule_for<'a>(rules: &'a [FieldRule], purpose: &str) -> Option<&'a FieldRule> {
    rules.iter().find(|r| r.matches(purpose))
}

/// The allowed pointers as a tree of object keys; a leaf releases the whole value below it.
#[derive(Debug, Default)]
struct Tree {
    whole: bool,
    keys: Vec<(String, Tree)>,
}

impl Tree {
    fn insert(&mut self, pointer: &str) {
        let mut at = self;
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            let i = match at.keys.iter().position(|(k, _)| *k == seg) {
                Some(i) => i,
                None => {
                    at.keys.push((seg, Tree::default()));
                    at.keys.len() - 1
                }
            };
            at = &mut at.keys[i].1;
        }
        at.whole = true;
    }

    fn project(&self, value: &Value) -> Value {
        if self.whole {
            return value.clone();
        }
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.project(v)).collect()),
            Value::Object(fields) => {
                let mut out = Map::new();
                for (k, t) in &self.keys {
                    if let Some(v) = fields.get(k) {
                        out.insert(k.clone(), t.project(v));
                    }
                }
                Value::Object(out)
            }
            _ => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(allow: &[&str]) -> FieldRule {
        FieldRule {
            id: "fields:a/d#1".into(),
            purposes: vec!["Audit".into()],
            allow: allow.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn keeps_only_allowed_fields_per_element_and_nested() {
        let answer = json!([
            {"id": "1", "name": "An", "address": {"city": "Hue", "street": "x"}, "born": 1990},
            {"id": "2", "name": "Binh"}
        ]);
        let r = rule(&["/name", "/address/city"]);
        assert_eq!(
            r.project(&answer),
            json!([{"name": "An", "address": {"city": "Hue"}}, {"name": "Binh"}])
        );
        assert_eq!(
            rule(&["/address"]).project(&answer[0]),
            json!({"address": {"city": "Hue", "street": "x"}})
        );
        assert!(r.matches(" audit ") && !r.matches("audit-x"));
        assert_eq!(rule_for(std::slice::from_ref(&r), "AUDIT"), Some(&r));
        assert_eq!(rule_for(&[r], "marketing"), None);
    }
}
