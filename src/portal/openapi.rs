//! The OpenAPI 3.1 document of one dataset (`GET /v1/openapi/{agency}/{dataset}.json`): its
//! request and response schemas, the `Data-Purpose` header, every problem answer and examples,
//! so a client can be generated for it alone.

use serde_json::{json, Map, Value};

use super::fields;
use crate::config::Dataset;

/// Problem answers the data path can give (status, what it means).
const PROBLEMS: &[(&str, &str)] = &[
    (
        "400",
        "The request breaks the request schema, or Data-Purpose is missing.",
    ),
    ("401", "No or an unknown credential."),
    (
        "403",
        "Sharing refused (with its legal basis), or the dataset is exempt.",
    ),
    (
        "404",
        "No such dataset, or no record for this subject at the source.",
    ),
    ("405", "Only GET and POST are served."),
    ("413", "The request body is too large."),
    ("415", "POST bodies must be application/json."),
    (
        "429",
        "Rate limit reached; retry after Retry-After seconds.",
    ),
    (
        "502",
        "The source failed or answered outside its response schema.",
    ),
    (
        "503",
        "The source is unavailable (circuit open) or the audit log cannot record.",
    ),
    ("504", "The source did not answer in time."),
];

/// The document for `dataset` of agency `agency_name`.
pub fn document(agency_name: &str, d: &Dataset) -> Value {
    let request = component(&d.request_schema.document, "Request");
    let response = component(&d.response_schema.document, "Response");
    let example_request = fields::example(&d.request_schema.document);
    let example_response = fields::example(&d.response_schema.document);
    let required: Vec<&str> = d
        .request_schema
        .required
        .iter()
        .map(String::as_str)
        .collect();
    let mut parameters = vec![json!({"$ref": "#/components/parameters/DataPurpose"})];
    if let Some(props) = request.get("properties").and_then(Value::as_object) {
        for (name, schema) in props {
            let mut p = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": schema,
            });
            if let Some(desc) = schema.get("description") {
                p["description"] = desc.clone();
            }
            if let Some(ex) = example_request.get(name) {
                p["example"] = ex.clone();
            }
            parameters.push(p);
        }
    }
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({
            "description": "The data, checked against the response schema; its audit record is committed.",
            "headers": {"Request-Id": {"$ref": "#/components/headers/RequestId"}},
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Response"},
                "examples": {"example": {"value": example_response}},
            }},
        }),
    );
    for (status, _) in PROBLEMS {
        let r = json!({"$ref": format!("#/components/responses/P{status}")});
        responses.insert((*status).into(), r);
    }
    let problem_responses: Map<String, Value> = PROBLEMS
        .iter()
        .map(|(status, what)| {
            (
                format!("P{status}"),
                json!({
                    "description": what,
                    "headers": {"Request-Id": {"$ref": "#/components/headers/RequestId"}},
                    "content": {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"}
                    }},
                }),
            )
        })
        .collect();
    let path = format!("/v1/data/{}/{}", d.agency, d.id);
    let op = |method: &str| format!("{}_{}_{}", method, d.agency, d.id).replace('-', "_");
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": format!("{} — {}", d.title, agency_name),
            "description": format!(
                "{}\n\nServed through dxgate: every request needs a credential and a Data-Purpose header, and is recorded in a tamper-evident audit log before it is answered.",
                d.description
            ),
            "version": "1",
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": {
            path: {
                "get": {
                    "operationId": op("get"),
                    "summary": format!("Look up {}", d.title),
                    "parameters": parameters,
                    "responses": responses,
                },
                "post": {
                    "operationId": op("post"),
                    "summary": format!("Look up {} (JSON body)", d.title),
                    "parameters": [{"$ref": "#/components/parameters/DataPurpose"}],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Request"},
                            "examples": {"example": {"value": example_request}},
                        }},
                    },
                    "responses": responses,
                },
            }
        },
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "The consumer's API key (or an eID token)."}
            },
            "parameters": {
                "DataPurpose": {
                    "name": "Data-Purpose",
                    "in": "header",
                    "required": true,
                    "description": "Why the data is needed (a purpose code such as social-benefit); recorded, and some purposes are refused.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                    "example": "social-benefit",
                }
            },
            "headers": {
                "RequestId": {"description": "The audit record's id (UUIDv7).", "schema": {"type": "string"}}
            },
            "responses": problem_responses,
            "schemas": {
                "Request": request,
                "Response": response,
                "Problem": problem_schema(),
            },
        },
    })
}

/// `schema` as a component named `name`: `$schema`/`$id` dropped and its local `$ref`s
/// (`#/$defs/…`) pointed at the component.
fn component(schema: &Value, name: &str) -> Value {
    let mut s = schema.clone();
    if let Value::Object(o) = &mut s {
        o.remove("$schema");
        o.remove("$id");
    }
    rebase(&mut s, &format!("#/components/schemas/{name}"));
    s
}

fn rebase(v: &mut Value, base: &str) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                match x {
                    Value::String(r) if k == "$ref" && r.starts_with('#') => {
                        *r = format!("{base}{}", &r[1..]);
                    }
                    _ => rebase(x, base),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rebase(x, base)),
        _ => {}
    }
}

/// RFC 9457 problem details as dxgate answers them.
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "request_id": {"type": "string"},
            "justification": {
                "type": "object",
                "description": "Who refused and on what legal basis (refusals only).",
                "properties": {
                    "decided_by": {"type": "string"},
                    "legal_basis": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
            "errors": {"type": "array", "items": {"type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}}}},
        },
        "examples": [{
            "type": "https://dxgate.dev/problems/refused",
            "title": "Sharing refused",
            "status": 403,
            "detail": "sharing refused",
            "request_id": "0190f0c8-0000-7000-8000-000000000000",
        }],
    })
}
