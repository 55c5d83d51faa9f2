//! `GET /openapi.json`: the OpenAPI 3.1 document parses, lists every route the router serves,
//! and the problems the gateway gives match its `Problem` schema.

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;

/// Every route of `src/server/router.rs`, as documented.
const ROUTES: &[(&str, &str)] = &[
    ("/v1/data/{agency}/{dataset}", "get"),
    ("/v1/data/{agency}/{dataset}", "post"),
    ("/v1/catalog", "get"),
    ("/v1/schemas/{path}", "get"),
    ("/v1/audit/records", "get"),
    ("/v1/audit/records/{request_id}", "get"),
    ("/v1/me/access-log", "get"),
    ("/v1/oversight/refusals", "get"),
    ("/v1/oversight/refusals/{request_id}", "get"),
    ("/v1/oversight/refusals/{request_id}/review", "post"),
    ("/v1/oversight/probes", "post"),
    ("/oversight", "get"),
    ("/auth/login", "get"),
    ("/auth/callback", "get"),
    ("/auth/logout", "post"),
    ("/auth/session", "get"),
    ("/public/ranking.json", "get"),
    ("/public/ranking.csv", "get"),
    ("/public/ranking", "get"),
    ("/healthz", "get"),
    ("/readyz", "get"),
    ("/metrics", "get"),
    ("/openapi.json", "get"),
    ("/v1/audit/checkpoint", "get"),
    ("/v1/audit/checkpoint/{node}", "get"),
    ("/v1/audit/inclusion/{request_id}", "get"),
    ("/public/methodology", "get"),
    ("/v1/audit/consistency/{node}", "get"),
    ("/v1/audit/checkpoint/{node}/cosignatures", "post"),
    ("/v1/audit/checkpoint/{node}/cosigned", "get"),
    ("/v1/catalog/versions", "get"),
    ("/v1/catalog/versions/{digest}", "get"),
    ("/catalog", "get"),
    ("/public/catalog.json", "get"),
    ("/v1/refusals/{request_id}/justification", "post"),
    ("/v1/refusals/{request_id}/story", "get"),
    ("/v1/appeals", "get"),
    ("/v1/appeals", "post"),
    ("/v1/appeals/{appeal_id}/decision", "post"),
    // Issue 14 item 2: catalogue changes through the gateway.
    ("/v1/admin/proposals", "get"),
    ("/v1/admin/proposals", "post"),
    ("/v1/admin/proposals/{proposal_id}/decision", "post"),
    ("/v1/oversight/export", "get"),
    ("/public/catalog.jsonld", "get"),
    ("/v1/openapi/{agency}/{dataset}.json", "get"),
    // Issue 11: the daily monitoring report.
    ("/public/monitoring/daily.json", "get"),
    ("/public/monitoring/daily.csv", "get"),
    // Issue 11 item 6: dated official editions.
    ("/public/ranking/editions", "get"),
    ("/public/ranking/editions/{date}.json", "get"),
    ("/public/ranking/editions/{date}.csv", "get"),
    ("/public/ranking/editions/{date}", "get"),
];

#[tokio::test]
async fn openapi_document_lists_every_route_and_problems_match_it() {
    let (_up, _cat, gw) = setup().await;
    let r = gw.anon("/openapi.json").await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    assert_eq!(
        paths.len(),
        ROUTES
            .iter()
            .map(|r| r.0)
            .collect::<std::collections::HashSet<_>>()
            .len(),
        "the document lists a path the router does not serve"
    );
    // Every documented path is routed (never the router's catch-all 404).
    for (path, method) in ROUTES {
        let concrete = path
            .replace("{agency}/{dataset}", "alpha/people")
            .replace("{path}", "person.request.json")
            .replace("{request_id}", "01900000-0000-7000-8000-000000000000");
        let req = if *method == "post" {
            client().post(gw.url(&concrete)).body("{}")
        } else {
            client().get(gw.url(&concrete))
        };
        let (_, _, _, body) = parts(req.bearer_auth(OVERSIGHT_KEY).send().await.unwrap()).await;
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            !detail.starts_with("nothing is served at"),
            "{concrete} is not routed"
        );
    }

    // Problems match the documented schema (refs resolved against the document itself).
    let mut schema = doc["components"]["schemas"]["Problem"].clone();
    schema["$defs"] = doc["components"]["schemas"].clone();
    let text = schema
        .to_string()
        .replace("#/components/schemas/", "#/$defs/");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for (key, path) in [
        (PORTAL_KEY, RESTRICTED),
        (PORTAL_KEY, "/v1/data/alpha/people?citizen_id=1"),
        ("wrong", "/v1/data/alpha/people?citizen_id=001"),
        (PORTAL_KEY, "/v1/audit/records?consumer=police"),
        (PORTAL_KEY, "/nowhere"),
    ] {
        let (s, _, ct, body) = parts(gw.get(key, path).await).await;
        assert!(s >= 400, "{path}");
        assert_eq!(ct, "application/problem+json", "{path}");
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{path}: {body}: {errors:?}");
    }
}
