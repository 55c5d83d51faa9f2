//! The catalogue API, schemas, health endpoints and `dxgate check`.

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;

#[tokio::test]
async fn catalogue_lists_routable_datasets_only() {
    let (_up, _cat, gw) = setup().await;

    let r = gw.anon("/v1/catalog").await;
    assert_eq!(r.status(), 401);

    let r = gw.get_as(PORTAL_KEY, "/v1/catalog").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let alpha = &v["agencies"][0];
    assert_eq!(alpha["id"], "alpha");
    assert_eq!(alpha["kind"], "ministry");
    let ids: Vec<&str> = strs(&alpha["datasets"], "id");
    assert!(ids.contains(&"people"));
    assert!(
        !ids.contains(&"secret"),
        "state-secret datasets are never listed"
    );
    let people = item(&alpha["datasets"], "id", "people");
    assert_eq!(people["href"], "/v1/data/alpha/people");
    let schema_link = people["request_schema"].as_str().unwrap();

    let r = gw.anon(schema_link).await;
    assert_eq!(r.status(), 200, "schemas are public");
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["required"][0], "citizen_id");
    assert_eq!(gw.anon_status("/v1/schemas/../dxgate.toml").await, 404);

    assert_eq!(gw.anon_status("/healthz").await, 200);
    let r = gw.anon("/readyz").await;
    assert_eq!(r.status(), 200);
    let ready: Value = r.json().await.unwrap();
    assert_eq!(ready["store"], "ok");

    let r = gw.anon("/nowhere").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = client()
        .post(gw.url("/v1/catalog"))
        .bearer_auth(PORTAL_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn check_accepts_the_test_and_demo_catalogues() {
    let cat = Catalogue::new("http://127.0.0.1:1");
    let (code, out, err) = run_cli(&["check"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 agencies"), "{out}");
    assert!(
        !cat.file("data/sources/alpha.db").exists(),
        "check writes nothing"
    );

    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, err) = run_cli(&["check"], demo);
    assert_eq!(
        code, 0,
        "the bundled demo catalogue must pass check: {out}{err}"
    );
}

#[tokio::test]
async fn check_lists_every_problem_with_file_and_line() {
    let cat = Catalogue::new("http://127.0.0.1:1");
    // A refusal rule without a reason, a missing schema, a bad query, a bad consumer hash.
    let alpha = "policies/agencies/alpha.toml";
    cat.edit(
        alpha,
        "reason = \"Only investigating bodies may receive these records.\"\n",
        "reason = \"  \"\n",
    );
    cat.edit(
        alpha,
        "response_schema = \"person.response.json\"",
        "response_schema = \"nope.json\"",
    );
    let beta = cat.read("policies/agencies/beta.toml");
    cat.write(
        "policies/agencies/beta.toml",
        &beta.replace("url = \"http://127.0.0.1:9/nothing\"", "url = \"ftp://x\""),
    );
    cat.write(
        "policies/agencies/gamma.toml",
        "id = \"gamma\"\nname = \"G\"\nkind = \"galaxy\"\n",
    );
    cat.write("schemas/broken.json", "{\"type\": ");
    cat.edit(
        "policies/consumers.toml",
        "api_key_sha256 = \"",
        "api_key_sha256 = \"zz",
    );

    let err = cli_fails(&["check"], cat.path());
    for needle in [
        "alpha.toml:",
        "reason must not be empty",
        "nope.json",
        "beta.toml:",
        "http://",
        "gamma.toml:3",
        "galaxy",
        "broken.json:1",
        "consumers.toml:",
        "64 hex digits",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }

    // serve refuses to start on the same problems.
    let err2 = cli_fails(&["serve"], cat.path());
    assert!(err2.contains("reason must not be empty"));
}

#[tokio::test]
async fn refusal_rules_must_name_a_legal_basis() {
    let cat = Catalogue::new("http://127.0.0.1:1");
    cat.edit(
        "policies/agencies/alpha.toml",
        "legal_basis = \"Records Act, Art. 7(2)\"\n",
        "",
    );
    let err = cli_fails(&["check"], cat.path());
    assert!(
        err.contains("alpha.toml:") && err.contains("legal_basis"),
        "{err}"
    );
}
