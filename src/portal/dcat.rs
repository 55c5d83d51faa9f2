//! `GET /public/catalog.jsonld`: the portal's datasets as a W3C DCAT 3 catalogue in JSON-LD,
//! for national open-data catalogues to harvest. Each dataset's access service is its dxgate
//! data endpoint, described by its OpenAPI document; its schemas are what it `conformsTo`.
//! Identifiers are relative IRIs, resolved against the document's own URL.

use serde_json::{json, Value};

use super::Entry;

/// The catalogue of `entries`.
pub fn document(entries: &[Entry]) -> Value {
    let datasets: Vec<Value> = entries.iter().map(dataset).collect();
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": "/public/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": "dxgate shared data catalogue",
        "dct:description": "Datasets public agencies share through the dxgate gateway (state-secret datasets are never listed).",
        "foaf:homepage": {"@id": "/catalog"},
        "dcat:dataset": datasets,
    })
}

fn dataset(e: &Entry) -> Value {
    let mut d = json!({
        "@id": format!("/catalog#{}/{}", e.agency, e.id),
        "@type": "dcat:Dataset",
        "dct:identifier": format!("{}/{}", e.agency, e.id),
        "dct:title": e.title,
        "dct:description": e.description,
        "dct:publisher": {
            "@id": format!("/catalog#{}", e.agency),
            "@type": "foaf:Agent",
            "foaf:name": e.agency_name,
        },
        "dcat:keyword": e.request_fields.iter().chain(&e.response_fields).map(|f| f.name.clone()).collect::<Vec<_>>(),
        "dcat:landingPage": {"@id": format!("/catalog?q={}#{}/{}", e.id, e.agency, e.id)},
        "dcat:distribution": [{
            "@type": "dcat:Distribution",
            "dct:title": format!("{} (JSON API)", e.title),
            "dcat:accessURL": {"@id": e.links.data},
            "dcat:mediaType": "application/json",
            "dct:conformsTo": [{"@id": e.links.request_schema}, {"@id": e.links.response_schema}],
            "dcat:accessService": {
                "@type": "dcat:DataService",
                "dct:title": format!("dxgate: {}", e.title),
                "dcat:endpointURL": {"@id": e.links.data},
                "dcat:endpointDescription": {"@id": e.links.openapi},
            },
        }],
    });
    if let Some(p) = &e.refresh_period {
        // The refresh period as written (humantime), and as an xsd:duration-like note.
        d["dct:accrualPeriodicity"] = json!({"@type": "dct:Frequency", "dct:description": p});
    }
    if !e.refusals.is_empty() {
        d["dct:accessRights"] = json!({
            "@type": "dct:RightsStatement",
            "dct:description": e.refusals.iter().map(|r| format!("{} — {}", r.legal_basis, r.reason)).collect::<Vec<_>>().join("; "),
        });
    }
    d
}
