//! Purpose-bound field minimisation (issue 14, item 7): `[[datasets.fields]]` rules release to
//! each purpose only its allowed fields, after the FULL source answer passed its schema; the
//! record names the projection and hashes the released bytes; a purpose no rule names gets
//! nothing; pointers are checked at load with their position; the catalogue shows the rules.

use serde_json::{json, Value};

use crate::common::catalogue::*;
use crate::common::*;

const MINIMAL: &str = "/v1/data/gamma/minimal?code=1234";

fn rules(allow_audit: &str) -> String {
    format!(
        "[[datasets.fields]]\npurposes = [\"audit\"]\nallow = [{allow_audit}]\n\
         [[datasets.fields]]\npurposes = [\"statistics\", \"Planning\"]\nallow = [\"/name\"]\n"
    )
}

fn catalogue(up: &Upstream, allow_audit: &str) -> Catalogue {
    let url = format!("http://{}/ok", up.addr);
    let ds = http_dataset("minimal", &url, "", "") + &rules(allow_audit);
    Catalogue::with_gamma(up, &ds)
}

#[tokio::test]
async fn two_purposes_receive_different_fields_and_the_record_names_the_projection() {
    let up = Upstream::start().await;
    let cat = catalogue(&up, "\"/code\", \"/name\"");
    let gw = Gateway::start(cat.path()).await;

    let (status, id, _, body) = parts(gw.get_for(PORTAL_KEY, MINIMAL, "audit").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"code": "code=1234", "name": "Acme Ltd"}));
    let audit = record(&gw, &id).await;
    assert_eq!(audit["projection"], "fields:gamma/minimal#1");

    // `statistics` drops `code`, which the response schema requires: the schema was checked
    // on the full answer, before the projection.
    let (status, id, _, body) = parts(gw.get_for(PORTAL_KEY, MINIMAL, "STATISTICS").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"name": "Acme Ltd"}));
    let stats = record(&gw, &id).await;
    assert_eq!(stats["projection"], "fields:gamma/minimal#2");
    assert_eq!(stats["response_schema"], "valid");
    // response_sha256 covers the released bytes: different releases, different hashes.
    assert_ne!(stats["response_sha256"], audit["response_sha256"]);

    // A purpose no rule names receives nothing, and the source is not asked.
    let (status, id, _, body) = parts(gw.get_for(PORTAL_KEY, MINIMAL, "marketing").await).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["type"],
        "https://dxgate.dev/problems/purpose-not-served"
    );
    assert!(body.get("name").is_none() && body.get("code").is_none());
    let refused = record(&gw, &id).await;
    assert_eq!(
        (
            &refused["outcome"],
            &refused["source_latency_us"],
            refused.get("projection")
        ),
        (&json!("rejected_request"), &Value::Null, None)
    );

    // A dataset without rules releases the whole answer and records no projection.
    let (status, id, _, body) = parts(gw.get_for(PORTAL_KEY, HTTP_OK, "marketing").await).await;
    assert_eq!((status, &body["purpose"]), (200, &json!("marketing")));
    assert!(record(&gw, &id).await.get("projection").is_none());

    // The catalogue shows the rules: /v1/catalog, /public/catalog.json and the page.
    let (_, _, _, cat_json) = parts(gw.get_as(PORTAL_KEY, "/v1/catalog").await).await;
    let gamma = item(&cat_json["agencies"], "id", "gamma");
    let shown = &gamma["datasets"][0]["field_rules"];
    assert_eq!(shown[1]["purposes"], json!(["statistics", "Planning"]));
    assert_eq!(shown[1]["allow"], json!(["/name"]));
    let public = gw.anon_json("/public/catalog.json").await;
    let entry = item(&public["datasets"], "agency", "gamma");
    assert_eq!(entry["field_rules"][0]["allow"], json!(["/code", "/name"]));
    let page = gw.anon_text("/catalog?lang=en").await;
    assert!(page.contains("Fields released per purpose"), "{page}");
}

#[test]
fn pointers_are_checked_at_load_with_their_position() {
    let up_addr = "127.0.0.1:9";
    let url = format!("http://{up_addr}/ok");
    let ds = http_dataset("minimal", &url, "", "") + &rules("\"name\", \"/nope\", \"/code\"");
    let cat = Catalogue::new(&format!("http://{up_addr}"));
    cat.write("policies/agencies/gamma.toml", &gamma(&ds));
    let diags = dxgate::config::load(cat.path(), &Default::default()).unwrap_err();
    let text: Vec<String> = diags.0.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 2, "{text:?}");
    let line = gamma(&ds)
        .lines()
        .position(|l| l.starts_with("allow = [\"name\""))
        .unwrap()
        + 1;
    for (t, p) in text.iter().zip(["\"name\"", "\"/nope\""]) {
        assert!(t.contains(&format!("gamma.toml:{line}:")), "{t}");
        assert!(t.contains(&format!("fields rule #1: allow {p}")), "{t}");
    }
}
