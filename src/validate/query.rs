//! Query string → JSON object, typed by the request schema.
//!
//! Every parameter becomes a string unless the schema declares the property as integer,
//! number or boolean and the text parses as one; a value that does not parse stays a string so
//! the schema check reports it with its pointer. A parameter given twice becomes an array only
//! when the schema declares an array; otherwise the request is rejected.

use serde_json::{Map, Number, Value};

use super::{FieldError, ItemType, PropertyType, Schema};

/// Convert a raw query string (without `?`) into a JSON object for schema checking.
pub fn query_to_json(query: &str, schema: &Schema) -> Result<Value, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        let key = k.into_owned();
        let pointer = format!("/{}", escape_pointer(&key));
        match schema.property_type(&key) {
            Some(PropertyType::Array(item)) => {
                let entry = out.entry(key).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = entry {
                    a.push(typed(&v, item));
                }
            }
            t => {
                if out.contains_key(&key) {
                    errors.push(FieldError {
                        pointer,
                        detail: "parameter given more than once".into(),
                    });
                    continue;
                }
                let item = match t {
                    Some(PropertyType::Integer) => ItemType::Integer,
                    Some(PropertyType::Number) => ItemType::Number,
                    Some(PropertyType::Boolean) => ItemType::Boolean,
                    _ => ItemType::String,
                };
                out.insert(key, typed(&v, item));
            }
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(errors)
    }
}

/// The canonical query string of validated parameters, as sources receive it: keys in
/// sorted order, each value once in plain text (an array as the key repeated, an object as
/// its JSON), nulls left out, everything percent-encoded the same way.
pub fn json_to_query(params: &Value) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    let Some(map) = params.as_object() else {
        return String::new();
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        let values = match &map[key] {
            Value::Array(items) => items.iter().collect(),
            v => vec![v],
        };
        for v in values {
            match v {
                Value::Null => {}
                Value::String(s) => {
                    out.append_pair(key, s);
                }
                other => {
                    out.append_pair(key, &other.to_string());
                }
            }
        }
    }
    out.finish()
}

fn typed(v: &str, t: ItemType) -> Value {
    let parsed = match t {
        ItemType::Integer => v.parse::<i64>().ok().map(Value::from),
        ItemType::Number => v
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number),
        ItemType::Boolean => match v {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ItemType::String | ItemType::Other => None,
    };
    parsed.unwrap_or_else(|| Value::String(v.to_owned()))
}

/// RFC 6901 escaping of one reference token.
pub(crate) fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::compile(
            "q.json",
            json!({"type":"object","properties":{
                "id":{"type":"string"},"n":{"type":"integer"},"x":{"type":"number"},
                "b":{"type":"boolean"},"tags":{"type":"array","items":{"type":"integer"}}}}),
        )
        .unwrap()
    }

    #[test]
    fn converts_by_declared_type() {
        let v = query_to_json("id=007&n=42&x=1.5&b=true&tags=1&tags=2&other=z", &schema()).unwrap();
        assert_eq!(
            v,
            json!({"id":"007","n":42,"x":1.5,"b":true,"tags":[1,2],"other":"z"})
        );
    }

    #[test]
    fn unparsable_stays_string() {
        let v = query_to_json("n=4x2", &schema()).unwrap();
        assert_eq!(v, json!({"n":"4x2"}));
    }

    #[test]
    fn repeated_scalar_is_an_error() {
        let e = query_to_json("id=1&id=2", &schema()).unwrap_err();
        assert_eq!(e[0].pointer, "/id");
    }

    #[test]
    fn percent_decoding_and_pointer_escaping() {
        let v = query_to_json("a%2Fb=%20x", &schema()).unwrap();
        assert_eq!(v, json!({"a/b":" x"}));
        assert_eq!(escape_pointer("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn canonical_query_is_sorted_decoded_and_re_encoded_once() {
        let v = json!({"z": "a b", "code": "1234", "n": 5, "tags": ["x", "y&z"], "gone": null});
        assert_eq!(json_to_query(&v), "code=1234&n=5&tags=x&tags=y%26z&z=a+b");
        let raw = query_to_json("code=%31234", &schema()).unwrap();
        assert_eq!(json_to_query(&raw), "code=1234");
    }
}
