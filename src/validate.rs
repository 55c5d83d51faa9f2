//! JSON Schema checks of requests and responses, compiled once at load.
//!
//! Schemas are draft 2020-12 and are compiled without any remote or file `$ref` resolution
//! (no SSRF, no reading outside `schemas/`). Errors come back as JSON pointers into the
//! instance so a consumer can see exactly which field is wrong.

mod query;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

pub use query::{json_to_query, query_to_json};

/// At most this many schema errors are reported in one answer.
pub const MAX_ERRORS: usize = 20;

/// Elements of every array in `v` that exactly repeat an earlier element of the same array
/// (objects compare by content, key order aside): what the "clean" indicator counts.
pub fn duplicates(v: &Value) -> u32 {
    match v {
        Value::Array(items) => {
            let mut seen = std::collections::HashSet::new();
            let repeated = items.iter().filter(|i| !seen.insert(i.to_string())).count() as u32;
            items
                .iter()
                .map(duplicates)
                .fold(repeated, u32::saturating_add)
        }
        Value::Object(m) => m.values().map(duplicates).fold(0, u32::saturating_add),
        _ => 0,
    }
}

/// A compiled schema and the facts about it the gateway uses.
pub struct Schema {
    /// Path relative to `schemas/`, as written in the policy (also its public link).
    pub path: String,
    /// The schema document, served at `/v1/schemas/{path}`.
    pub document: Value,
    validator: jsonschema::Validator,
    /// Top-level property name → declared `type`, for query-string conversion.
    property_types: HashMap<String, PropertyType>,
    /// Top-level `required` property names (object schemas) or `items.required` (array schemas).
    pub required: Vec<String>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema").field("path", &self.path).finish()
    }
}

/// The scalar type a top-level property declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    String,
    Integer,
    Number,
    Boolean,
    /// An array of strings/numbers: repeated query parameters collect into it.
    Array(ItemType),
    Other,
}

/// Item type of an array property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    String,
    Integer,
    Number,
    Boolean,
    Other,
}

/// One place where an instance broke its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer into the instance (`""` is the whole document).
    pub pointer: String,
    pub detail: String,
}

/// The schema file is not a usable draft 2020-12 schema.
#[derive(Debug, thiserror::Error)]
#[error("not a valid JSON Schema (draft 2020-12): {0}")]
pub struct CompileError(String);

impl Schema {
    /// Compile `document` (already parsed JSON) found at `path`.
    pub fn compile(path: &str, document: Value) -> Result<Schema, CompileError> {
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&document)
            .map_err(|e| CompileError(e.to_string()))?;
        let property_types = property_types(&document);
        let required = required_fields(&document);
        Ok(Schema {
            path: path.to_owned(),
            document,
            validator,
            property_types,
            required,
        })
    }

    /// Fast yes/no.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Check `instance`; on failure, up to [`MAX_ERRORS`] errors with JSON pointers.
    pub fn check(&self, instance: &Value) -> Result<(), Vec<FieldError>> {
        if self.validator.is_valid(instance) {
            return Ok(());
        }
        let errors: Vec<FieldError> = self
            .validator
            .iter_errors(instance)
            .take(MAX_ERRORS)
            .map(|e| FieldError {
                pointer: e.instance_path().as_str().to_owned(),
                detail: e.to_string(),
            })
            .collect();
        if errors.is_empty() {
            Err(vec![FieldError {
                pointer: String::new(),
                detail: "does not match the schema".into(),
            }])
        } else {
            Err(errors)
        }
    }

    pub fn property_type(&self, name: &str) -> Option<PropertyType> {
        self.property_types.get(name).copied()
    }

    /// True when the schema declares `name` as a top-level property.
    /// An example instance: the schema's first top-level `examples` entry, else an object of
    /// every property's first `examples` entry (`None` when there are none).
    pub fn example(&self) -> Option<Value> {
        if let Some(v) = self.document.get("examples").and_then(|e| e.get(0)) {
            return Some(v.clone());
        }
        let props = self.document.get("properties")?.as_object()?;
        let example: serde_json::Map<String, Value> = props
            .iter()
            .filter_map(|(k, p)| Some((k.clone(), p.get("examples")?.get(0)?.clone())))
            .collect();
        (!example.is_empty()).then_some(Value::Object(example))
    }

    pub fn has_property(&self, name: &str) -> bool {
        self.property_types.contains_key(name)
    }

    /// Whether the schema declares the field `pointer` names (`/a/b`: property `a`, then its
    /// property `b`), looking through `items` at every array level, as a field projection does.
    pub fn declares(&self, pointer: &str) -> bool {
        let Some(rest) = pointer.strip_prefix('/') else {
            return false;
        };
        let mut at = &self.document;
        for seg in rest.split('/') {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            while let Some(items) = at.get("items") {
                at = items;
            }
            match at.get("properties").and_then(|p| p.get(&seg)) {
                Some(next) => at = next,
                None => return false,
            }
        }
        true
    }
}

fn scalar(t: Option<&Value>) -> ItemType {
    match t.and_then(Value::as_str) {
        Some("string") => ItemType::String,
        Some("integer") => ItemType::Integer,
        Some("number") => ItemType::Number,
        Some("boolean") => ItemType::Boolean,
        _ => ItemType::Other,
    }
}

fn property_types(doc: &Value) -> HashMap<String, PropertyType> {
    let Some(props) = doc.get("properties").and_then(Value::as_object) else {
        return HashMap::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let t = match p.get("type").and_then(Value::as_str) {
                Some("array") => {
                    PropertyType::Array(scalar(p.get("items").and_then(|i| i.get("type"))))
                }
                _ => match scalar(p.get("type")) {
                    ItemType::String => PropertyType::String,
                    ItemType::Integer => PropertyType::Integer,
                    ItemType::Number => PropertyType::Number,
                    ItemType::Boolean => PropertyType::Boolean,
                    ItemType::Other => PropertyType::Other,
                },
            };
            (name.clone(), t)
        })
        .collect()
}

fn required_fields(doc: &Value) -> Vec<String> {
    let obj = match doc.get("type").and_then(Value::as_str) {
        Some("array") => doc.get("items"),
        _ => Some(doc),
    };
    obj.and_then(|o| o.get("required"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_have_pointers() {
        let s = Schema::compile(
            "t.json",
            json!({"type":"object","properties":{"id":{"type":"string","pattern":"^[0-9]{3}$"}},
                   "required":["id"],"additionalProperties":false}),
        )
        .unwrap();
        assert!(s.check(&json!({"id":"123"})).is_ok());
        let errs = s.check(&json!({"id":"12x"})).unwrap_err();
        assert_eq!(errs[0].pointer, "/id");
        let errs = s.check(&json!({})).unwrap_err();
        assert_eq!(errs[0].pointer, "");
        assert_eq!(s.required, vec!["id".to_string()]);
    }

    #[test]
    fn bad_schema_is_rejected() {
        assert!(Schema::compile("t.json", json!({"type": 12})).is_err());
    }
}
