//! Readiness probes (issue 11): run on `POST /v1/oversight/probes` and on the daily schedule
//! (paused time), recorded in the audit chain flagged as probes, never demand but measured for
//! availability, validity and freshness; freshness follows the dataset's `freshness_pointer`.

use std::time::Duration;

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::ranking::*;
use crate::common::*;

const REQ: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
 "properties":{"code":{"type":"string","pattern":"^[0-9]{4}$","examples":["4321"]}},"required":["code"],"additionalProperties":false}"#;
const RESP: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
 "properties":{"code":{"type":"string"},"as_of":{"type":"string"},"items":{"type":"array"}},"required":["code","as_of"]}"#;

/// Agency zeta: `dated` declares its data's date at `/as_of` and a probe request; `plain`
/// declares neither (its probe comes from the schema's `examples`); `down` always fails.
fn zeta(up: &Upstream) -> String {
    let ds = |id: &str, path: &str, extra: &str| {
        format!(
            "[[datasets]]\nid = \"{id}\"\ntitle = \"{id}\"\nrequest_schema = \"zeta.request.json\"\nresponse_schema = \"zeta.response.json\"\nrefresh_period = \"1d\"\n{extra}\n\
             [datasets.source]\nkind = \"http\"\nurl = \"{}\"\ntimeout = \"2s\"\n",
            up.url(path)
        )
    };
    let mut s = String::from("id = \"zeta\"\nname = \"Zeta Province\"\nkind = \"province\"\n");
    s += &ds(
        "dated",
        "/dated",
        "freshness_pointer = \"/as_of\"\nprobe = { code = \"1234\" }",
    );
    s += &ds("plain", "/dated", "");
    s += &ds("down", "/fail", "");
    s
}

fn catalogue(up: &Upstream, probes: &str) -> Catalogue {
    let cat = Catalogue::on(up);
    cat.write("dxgate.toml", &format!("{SETTINGS}[probes]\n{probes}\n"));
    cat.write("schemas/zeta.request.json", REQ);
    cat.write("schemas/zeta.response.json", RESP);
    cat.write("policies/agencies/zeta.toml", &zeta(up));
    cat
}

async fn trigger(gw: &Gateway, key: Option<&str>) -> (u16, String, Value) {
    let mut r = client().post(gw.url("/v1/oversight/probes"));
    if let Some(k) = key {
        r = r.bearer_auth(k);
    }
    let (status, _, ct, body) = parts(r.send().await.unwrap()).await;
    (status, ct, body)
}

fn probe_of<'a>(body: &'a Value, dataset: &str) -> &'a Value {
    body["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["agency"] == "zeta" && p["dataset"] == dataset)
        .unwrap_or_else(|| panic!("zeta/{dataset} not in {body}"))
}

fn dataset<'a>(agency: &'a Value, id: &str) -> &'a Value {
    item(&agency["datasets"], "dataset", id)
}

#[tokio::test]
async fn triggered_probes_are_recorded_flagged_and_never_demand() {
    let up = Upstream::start().await;
    let cat = catalogue(&up, "enabled = false");
    let gw = Gateway::start(cat.path()).await;

    let (status, ct, body) = trigger(&gw, None).await;
    assert_eq!(
        (status, ct.as_str()),
        (401, "application/problem+json"),
        "{body}"
    );
    let (status, ct, body) = trigger(&gw, Some(PORTAL_KEY)).await;
    assert_eq!(
        (status, ct.as_str()),
        (403, "application/problem+json"),
        "{body}"
    );
    assert!(
        body["type"].as_str().unwrap().ends_with("/forbidden"),
        "{body}"
    );

    let (status, _, body) = trigger(&gw, Some(OVERSIGHT_KEY)).await;
    assert_eq!(status, 200, "{body}");
    let dated = probe_of(&body, "dated");
    assert_eq!(
        (dated["outcome"].as_str(), dated["status"].as_u64()),
        (Some("served"), Some(200))
    );
    assert_eq!(dated["recorded"], true);
    // 2020-01-01T07:00:00+07:00, read at the pointer /as_of.
    assert_eq!(dated["data_as_of_ms"], 1_577_836_800_000i64);
    assert_eq!(probe_of(&body, "plain")["outcome"], "served");
    assert_eq!(probe_of(&body, "down")["outcome"], "source_error");
    // alpha's code schema has no examples and its datasets declare no probe.
    let alpha_http = body["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["agency"] == "alpha" && p["dataset"] == "http-ok")
        .unwrap();
    assert_eq!(
        (alpha_http["outcome"].as_str(), &alpha_http["request_id"]),
        (Some("not_probed"), &Value::Null)
    );

    // The record: built-in consumer and purpose, flagged, with what the probe asked.
    let rec = record(&gw, dated["request_id"].as_str().unwrap()).await;
    assert_eq!(rec["consumer"], "dxgate-probe");
    assert_eq!(rec["purpose"], "readiness-probe");
    assert_eq!(rec["probe"], true);
    assert_eq!(rec["outcome"], "served");
    assert_eq!(rec["data_as_of_ms"], 1_577_836_800_000i64);
    assert_eq!(rec["duplicates"], 1, "{{n:1}} appears twice in items");
    let plain = record(
        &gw,
        probe_of(&body, "plain")["request_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(plain["probe"], true);
    assert!(
        plain.get("data_as_of_ms").is_none(),
        "plain declares no pointer: {plain}"
    );
    // A consumer's request is not flagged.
    let r = gw.get(PORTAL_KEY, "/v1/data/alpha/http-ok?code=1234").await;
    assert_eq!(r.status(), 200);
    let rec = record(&gw, &request_id(&r)).await;
    assert!(rec.get("probe").is_none(), "{rec}");

    // Measured, never demand.
    let ranking = ranking_json(&gw).await;
    let z = agency(&ranking, "zeta");
    assert_eq!(z["counts"]["requests"], 0);
    assert_eq!(z["counts"]["served"], 0);
    assert_eq!(z["consumer_days"], 0);
    assert_eq!(
        (
            z["counts"]["probes"].as_i64(),
            z["counts"]["probes_answered"].as_i64(),
            z["counts"]["probes_source_error"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    let avail = indicator(z, "availability");
    assert_eq!(
        (avail["numerator"].as_f64(), avail["denominator"].as_f64()),
        (Some(2.0), Some(3.0))
    );
    let valid = indicator(z, "validity");
    assert_eq!(
        (valid["numerator"].as_f64(), valid["denominator"].as_f64()),
        (Some(2.0), Some(2.0))
    );
    // Freshness follows the pointer: dated's data is from 2020, so far older than its 1-day
    // period; plain (no pointer) was answered just now, so it is fresh; down never answered.
    let d = dataset(z, "dated");
    assert_eq!(d["data_as_of_ms"], 1_577_836_800_000i64);
    assert!(d["freshness"].as_f64().unwrap() < 0.001, "{d}");
    assert_eq!(dataset(z, "plain")["freshness"], 1.0);
    assert_eq!(dataset(z, "down")["freshness"], 0.0);
    assert_eq!(dataset(z, "dated")["probes_answered"], 1);
    let fresh = indicator(z, "freshness");
    assert_eq!(fresh["denominator"].as_f64(), Some(3.0));
    assert!(
        (fresh["numerator"].as_f64().unwrap() - 1.0).abs() < 0.001,
        "{fresh}"
    );
    // Clean: both answered probes had a repeated record.
    assert_eq!(z["clean"], 0.0);
    assert_eq!(z["documents_spared"], 0);
    gw.stop().await;

    // The chain with probe records verifies.
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test(start_paused = true)]
async fn probes_run_daily_at_the_configured_local_time() {
    let up = Upstream::start().await;
    let cat = catalogue(&up, "at = \"06:30\"\ntimezone = \"Asia/Ho_Chi_Minh\"");
    let gw = Gateway::start(cat.path()).await;
    let settings = dxgate::config::ProbeSettings {
        enabled: true,
        at: "06:30".into(),
        timezone: "Asia/Ho_Chi_Minh".into(),
    };
    let now = dxgate::audit::now_ms();
    let wait = settings.next_ms(now).unwrap() - now;
    assert!(wait > 0 && wait <= 24 * 3600 * 1000);
    let before = up.hits();
    // A minute short of the time, nothing has been probed.
    let early = Duration::from_millis((wait - 60_000).max(0) as u64);
    tokio::time::advance(early).await;
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    assert_eq!(up.hits(), before, "no probe before the configured time");
    tokio::time::advance(Duration::from_secs(120)).await;
    // Three zeta datasets are probed: wait until the upstream has seen them.
    while up.hits() < before + 3 {
        tokio::task::yield_now().await;
    }
    // ... and until their records are committed.
    let probes = loop {
        let v = gw
            .json_as(OVERSIGHT_KEY, "/v1/audit/records?consumer=dxgate-probe")
            .await;
        let recs = v["records"].as_array().cloned().unwrap_or_default();
        if recs.len() >= 3 {
            break recs;
        }
        tokio::time::advance(Duration::from_millis(10)).await;
    };
    assert_eq!(probes.len(), 3, "{probes:?}");
    assert!(probes
        .iter()
        .all(|p| p["probe"] == true && p["purpose"] == "readiness-probe"));
    gw.stop().await;
}
