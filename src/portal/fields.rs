//! A dataset's JSON Schema read for people: one row per field (name, type, required,
//! description, constraints) and an example value built from the schema's own `examples`,
//! `enum`, `const` or `default` (a typed placeholder otherwise).

use serde::Serialize;
use serde_json::{json, Map, Value};

/// One field of a request or response, as the portal's tables show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// Dotted path (`items[].licence_no` for arrays of objects).
    pub name: String,
    /// `string`, `integer`, `string | null`, …, plus `(date)` for a `format`.
    pub kind: String,
    pub required: bool,
    pub description: String,
    /// `pattern`, `enum`, length and range constraints, readable.
    pub constraints: String,
}

/// The fields of `schema`: an object's properties, or the properties of an array's items.
pub fn fields(schema: &Value) -> Vec<Field> {
    let mut out = Vec::new();
    walk(schema, "", &mut out);
    out
}

fn walk(schema: &Value, prefix: &str, out: &mut Vec<Field>) {
    if let Some(items) = schema.get("items") {
        let p = if prefix.is_empty() {
            "items[]".to_owned()
        } else {
            format!("{prefix}[]")
        };
        walk(items, &p, out);
        return;
    }
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, p) in props {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        out.push(Field {
            name: path.clone(),
            kind: kind(p),
            required: required.contains(&name.as_str()),
            description: text(p, "description"),
            constraints: constraints(p),
        });
        if p.get("properties").is_some() || p.get("items").is_some() {
            walk(p, &path, out);
        }
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn kind(p: &Value) -> String {
    let base = match p.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ if p.get("enum").is_some() => "enum".to_owned(),
        _ => "any".to_owned(),
    };
    match p.get("format").and_then(Value::as_str) {
        Some(f) => format!("{base} ({f})"),
        None => base,
    }
}

fn constraints(p: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(e) = p.get("enum").and_then(Value::as_array) {
        let vals: Vec<String> = e.iter().map(Value::to_string).collect();
        parts.push(format!("one of {}", vals.join(", ")));
    }
    if let Some(c) = p.get("const") {
        parts.push(format!("= {c}"));
    }
    for (key, label) in [
        ("pattern", "pattern"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
    ] {
        if let Some(v) = p.get(key) {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            parts.push(format!("{label} {v}"));
        }
    }
    parts.join("; ")
}

/// An example value for `schema`: its first `examples` entry, `const`, `default` or first
/// `enum` value; objects and arrays are built from their parts.
pub fn example(schema: &Value) -> Value {
    for key in ["examples"] {
        if let Some(v) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return v.clone();
        }
    }
    for key in ["const", "default"] {
        if let Some(v) = schema.get(key) {
            return v.clone();
        }
    }
    if let Some(v) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return v.clone();
    }
    if let Some(items) = schema.get("items") {
        return json!([example(items)]);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let obj: Map<String, Value> = props.iter().map(|(k, v)| (k.clone(), example(v))).collect();
        return Value::Object(obj);
    }
    let first_type = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).next().unwrap_or(""),
        _ => "",
    };
    match (first_type, schema.get("format").and_then(Value::as_str)) {
        ("string", Some("date")) => json!("2026-01-31"),
        ("string", Some("date-time")) => json!("2026-01-31T09:00:00Z"),
        ("string", _) => json!("string"),
        ("integer", _) => json!(0),
        ("number", _) => json!(0.0),
        ("boolean", _) => json!(true),
        ("null", _) => Value::Null,
        _ => json!({}),
    }
}

/// The query string of an example GET request for `request_schema` (`code=0101234567`).
pub fn example_query(request_schema: &Value) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if let Value::Object(obj) = example(request_schema) {
        for (k, v) in obj {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            q.append_pair(&k, &v);
        }
    }
    q.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_examples_come_from_the_schema() {
        let s = json!({"type":"array","items":{"type":"object",
            "properties":{"code":{"type":"string","pattern":"^[0-9]{4}$","examples":["1234"],"description":"Code."},
                          "until":{"type":["string","null"],"format":"date"},
                          "status":{"type":"string","enum":["valid","revoked"]}},
            "required":["code"]}});
        let f = fields(&s);
        let by = |n: &str| f.iter().find(|x| x.name == n).unwrap().clone();
        assert_eq!(f.len(), 3);
        assert!(by("items[].code").required);
        assert!(!by("items[].until").required);
        assert_eq!(by("items[].code").constraints, "pattern ^[0-9]{4}$");
        assert_eq!(by("items[].until").kind, "string | null (date)");
        assert_eq!(
            by("items[].status").constraints,
            "one of \"valid\", \"revoked\""
        );
        assert_eq!(
            example(&s),
            json!([{"code":"1234","status":"valid","until":"2026-01-31"}])
        );
        let req =
            json!({"type":"object","properties":{"code":{"type":"string","examples":["0101 2"]}}});
        assert_eq!(example_query(&req), "code=0101+2");
    }
}
