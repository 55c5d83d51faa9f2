//! Arbitrary query strings through `validate::query_to_json` against a schema with typed
//! properties: it returns JSON or field errors with JSON pointers, never panics.
#![no_main]

use std::sync::OnceLock;

use dxgate::validate::{query_to_json, Schema};
use libfuzzer_sys::fuzz_target;

fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        Schema::compile(
            "fuzz.json",
            serde_json::json!({"type":"object","properties":{
                "s":{"type":"string"},"i":{"type":"integer"},"n":{"type":"number"},
                "b":{"type":"boolean"},"a":{"type":"array","items":{"type":"integer"}}}}),
        )
        .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    match query_to_json(q, schema()) {
        Ok(v) => assert!(v.is_object()),
        Err(errors) => {
            for e in errors {
                assert!(e.pointer.is_empty() || e.pointer.starts_with('/'));
            }
        }
    }
});
