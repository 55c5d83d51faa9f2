//! The route table: 405 with `Allow` for every route and method it does not take, 404 problems
//! with their hints, captures, and the table against `openapi/dxgate.json`.

use std::collections::BTreeSet;

use http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;

use super::*;

const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
];

/// A path that matches `pattern` (and no earlier route).
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| match seg {
            s if s.starts_with("{*") => "x/y/z".to_owned(),
            s if s.starts_with('{') => format!("x1{}", s.split_once('}').unwrap().1),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A problem as the client sees it: status, headers and body.
async fn rendered(p: Problem) -> (StatusCode, http::HeaderMap, Value) {
    let r = respond(Err(p));
    let (parts, body) = r.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        serde_json::from_slice(&bytes).unwrap(),
    )
}

#[tokio::test]
async fn every_route_answers_405_with_allow_for_methods_it_does_not_take() {
    for route in ROUTES {
        let path = concrete(route.pattern);
        for method in &METHODS {
            let resolved = resolve(method, &path);
            if route.methods.admits(method) {
                let (endpoint, _) = resolved.unwrap_or_else(|p| panic!("{method} {path}: {p:?}"));
                assert_eq!(endpoint, route.endpoint, "{method} {path}");
                continue;
            }
            let p = resolved.expect_err(&format!("{method} {path} should be refused"));
            let (status, headers, body) = rendered(p).await;
            assert_eq!(status, 405, "{method} {path}");
            assert_eq!(headers["allow"], route.methods.allow(), "{method} {path}");
            assert_eq!(headers["content-type"], "application/problem+json");
            assert_eq!(
                body["type"],
                "https://dxgate.dev/problems/method-not-allowed"
            );
            assert_eq!(body["status"], 405);
            let verb = match route.methods {
                Methods::Write => "POST",
                Methods::ReadWrite => "GET or POST",
                _ => "GET",
            };
            assert_eq!(
                body["detail"],
                format!("{method} is not allowed here; use {verb}")
            );
        }
    }
}

#[test]
fn data_requests_of_any_method_reach_the_pipeline_which_records_them() {
    for method in &METHODS {
        for path in [
            "/v1/data/alpha/people",
            "/v1/data/alpha/people/x",
            "/v1/data",
        ] {
            assert!(resolve(method, path).is_ok(), "{method} {path}");
        }
    }
    assert_eq!(Methods::Data.allow(), "GET, POST");
    let (endpoint, caps) = resolve(&Method::PUT, "/v1/data/alpha/people").unwrap();
    assert_eq!((endpoint, caps), (Endpoint::Data, vec!["alpha", "people"]));
    for path in [
        "/v1/data",
        "/v1/data/",
        "/v1/data/alpha",
        "/v1/data/alpha/",
        "/v1/data//x",
    ] {
        assert_eq!(
            resolve(&Method::GET, path).unwrap().0,
            Endpoint::DataMalformed,
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_paths_are_404_problems_with_a_hint() {
    let long = format!("/{}", "a".repeat(300));
    let cases = [
        ("/nowhere", "nothing is served at /nowhere".to_owned()),
        ("/", "nothing is served at /".to_owned()),
        ("/v1/catalog/", "nothing is served at /v1/catalog/".to_owned()),
        ("/v1/schemas", "nothing is served at /v1/schemas".to_owned()),
        ("/v1/audit/inclusion/", "nothing is served at /v1/audit/inclusion/".to_owned()),
        ("/v1/datax", "nothing is served at /v1/datax".to_owned()),
        ("/healthz/", "nothing is served at /healthz/".to_owned()),
        ("/v1/oversight/reviews", "oversight serves /v1/oversight/refusals".to_owned()),
        ("/v1/oversight/refusals/", "oversight serves /v1/oversight/refusals".to_owned()),
        ("/oversight/app.css", "the oversight page is at /oversight".to_owned()),
        (
            "/public/nothing",
            "public pages: /public/ranking, /public/ranking.json, /public/ranking.csv, /public/ranking/editions, /public/methodology, /public/catalog.json, /public/catalog.jsonld".to_owned(),
        ),
        (&long, format!("nothing is served at /{}", "a".repeat(199))),
    ];
    for (path, detail) in cases {
        // Whatever the method: an unknown path is 404, never 405.
        for method in [Method::GET, Method::POST] {
            let p = resolve(&method, path).expect_err(path);
            let (status, headers, body) = rendered(p).await;
            assert_eq!(status, 404, "{path}");
            assert_eq!(headers["content-type"], "application/problem+json");
            assert!(headers.get("allow").is_none());
            assert_eq!(body["type"], "https://dxgate.dev/problems/not-found");
            assert_eq!(body["title"], "No such resource");
            assert_eq!(body["detail"], detail.as_str(), "{path}");
        }
    }
}

#[test]
fn captures_and_trailing_slash_aliases() {
    fn get(path: &str) -> (Endpoint, Vec<&str>) {
        resolve(&Method::GET, path).unwrap()
    }
    let cases: [(&str, Endpoint, &[&str]); 8] = [
        (
            "/v1/schemas/people/person.request.json",
            Endpoint::Schema,
            &["people/person.request.json"],
        ),
        ("/v1/schemas/", Endpoint::Schema, &[""]),
        (
            "/v1/audit/records/0190-x",
            Endpoint::AuditRecord,
            &["0190-x"],
        ),
        ("/v1/audit/records/", Endpoint::AuditRecords, &[]),
        ("/v1/audit/checkpoint/", Endpoint::Checkpoints, &[]),
        (
            "/v1/audit/checkpoint/node-a",
            Endpoint::CheckpointNote,
            &["node-a"],
        ),
        ("/oversight/", Endpoint::OversightPage, &[]),
        ("/oversight/app.js", Endpoint::OversightScript, &[]),
    ];
    for (path, endpoint, captures) in cases {
        assert_eq!(get(path), (endpoint, captures.to_vec()), "{path}");
    }
    let review = resolve(&Method::POST, "/v1/oversight/refusals/r1/review").unwrap();
    assert_eq!(review, (Endpoint::Review, vec!["r1"]));
    assert!(resolve(&Method::GET, "*").is_err());
}

/// `{path}` and `{*path}` name the same parameter.
fn documented_form(pattern: &str) -> String {
    pattern.replace("{*", "{")
}

#[test]
fn the_route_table_is_the_openapi_document() {
    let doc: Value = serde_json::from_str(crate::server::api::openapi::DOCUMENT).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
            if item.get(method).is_some() {
                documented.insert((path.clone(), method.to_owned()));
            }
        }
    }
    let mut routed = BTreeSet::new();
    for route in ROUTES.iter().filter(|r| r.documented) {
        let methods: &[&str] = match route.methods {
            Methods::Read => &["get"],
            Methods::Write => &["post"],
            Methods::Data | Methods::ReadWrite => &["get", "post"],
        };
        for m in methods {
            routed.insert((documented_form(route.pattern), (*m).to_owned()));
        }
    }
    assert_eq!(routed, documented);
    // Aliases stay out of the document, and never shadow a documented route.
    for alias in ROUTES.iter().filter(|r| !r.documented) {
        assert!(
            !documented.iter().any(|(p, _)| *p == alias.pattern),
            "{} is documented",
            alias.pattern
        );
    }
}
