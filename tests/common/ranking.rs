//! Fixtures for the ranking and oversight tests: a catalogue with a province that has mandated
//! datasets, fast rollups, and a mix of traffic covering every outcome and self-calls.

use serde_json::Value;

use super::catalogue::*;
use super::*;

/// `dxgate.toml` for ranking tests: rollups every 100 ms, no cache, 2 consumer-days to rank.
pub const SETTINGS: &str = "[server]\nnode_id = \"test-node\"\nmax_request_body = 4096\n\
[ranking]\nrollup_interval = \"100ms\"\ncache_ttl = \"0s\"\nmin_consumer_days = 2\n";

pub const OFFICIAL: &str = "Director, Gamma Land Office (Tran Thi D)";

/// A province with three mandated datasets: served late, overdue, and not yet due.
fn gamma(upstream: &str) -> String {
    let ds = |id: &str, refresh: &str| {
        format!(
            r#"
[[datasets]]
id = "{id}"
title = "Gamma {id}"
request_schema = "code.request.json"
response_schema = "code.response.json"
refresh_period = "{refresh}"
[datasets.source]
kind = "http"
url = "{upstream}/ok"
timeout = "2s"
"#
        )
    };
    let mut s = String::from("id = \"gamma\"\nname = \"Gamma Province\"\nkind = \"province\"\n");
    s += &ds("registry", "1h");
    s += &ds("ledger", "1d");
    s += &ds("future", "1d");
    s
}

/// The mandate register: alpha, beta and gamma connected; omega never connected, with a
/// mandate eight months overdue. Gamma's mandates: served late, overdue, and not yet due.
pub fn register() -> String {
    let unit = |id: &str, code: &str, vi: &str, en: &str, kind: &str, group: &str| {
        format!("[[units]]\nid = \"{id}\"\ncode = \"{code}\"\nname_vi = \"{vi}\"\nname_en = \"{en}\"\nkind = \"{kind}\"\ngroup = \"{group}\"\n\n")
    };
    let mandate = |product: &str, deadline: &str, official: &str| {
        let unit = product.split('/').next().unwrap_or_default();
        format!("[[mandates]]\nunit = \"{unit}\"\nproduct = \"{product}\"\ntask = \"Serve {product}\"\nofficial = \"{official}\"\ndeadline = \"{deadline}\"\nassigned_by = \"{AUTHORITY}\"\ninstrument = \"{INSTRUMENT}\"\nhistory = [{{ status = \"assigned\", on = \"2019-06-01\" }}]\n\n")
    };
    let mut s = unit(
        "alpha",
        "B01",
        "Bộ Alpha",
        "Ministry of Alpha",
        "ministry",
        "central",
    );
    s += &unit(
        "beta",
        "02",
        "Tỉnh Beta",
        "Beta Province",
        "province",
        "provinces",
    );
    s += &unit(
        "gamma",
        "03",
        "Tỉnh Gamma",
        "Gamma Province",
        "province",
        "provinces",
    );
    s += &unit(
        "omega",
        "99",
        "Tỉnh Ômêga",
        "Omega Province",
        "province",
        "provinces",
    );
    s += &mandate("gamma/registry", "2020-01-01", OFFICIAL);
    s += &mandate("gamma/ledger", "2020-01-01", OFFICIAL);
    s += &mandate("gamma/future", "2999-12-31", OFFICIAL);
    s += &mandate("omega/land-parcels", OMEGA_DEADLINE, OMEGA_OFFICIAL);
    s
}

pub const AUTHORITY: &str = "Prime Minister";
pub const INSTRUMENT: &str = "Directive No. 7/CT-TTg";
pub const OMEGA_DEADLINE: &str = "2020-03-31";
pub const OMEGA_OFFICIAL: &str = "Director, Omega Department of Agriculture (Ly Thi M)";

/// The standard catalogue plus gamma, with ranking settings for tests.
pub fn catalogue(up: &Upstream) -> Catalogue {
    let base = format!("http://{}", up.addr);
    let cat = Catalogue::new(&base);
    cat.write("dxgate.toml", SETTINGS);
    cat.write("policies/agencies/gamma.toml", &gamma(&base));
    cat.write("policies/mandates.toml", &register());
    cat
}

pub async fn setup() -> (Upstream, Catalogue, Gateway) {
    let up = Upstream::start().await;
    let cat = catalogue(&up);
    let gw = Gateway::start(cat.path()).await;
    (up, cat, gw)
}

/// Request ids of what [`traffic`] sent, by kind.
#[derive(Debug, Default)]
pub struct Sent {
    pub all: Vec<String>,
    pub refusals: Vec<String>,
    pub portal_refusals: Vec<String>,
    pub police_refusals: Vec<String>,
    pub self_calls: usize,
}

/// One round of traffic covering every outcome, plus self-calls by alpha's own officer.
pub async fn traffic(gw: &Gateway) -> Sent {
    let mut sent = Sent::default();
    let calls: &[(&str, &str)] = &[
        (PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001"),
        (PORTAL_KEY, "/v1/data/alpha/people?citizen_id=002"),
        (PORTAL_KEY, HTTP_OK),
        (PORTAL_KEY, RESTRICTED),
        (PORTAL_KEY, "/v1/data/alpha/refuse-bare?code=1234"),
        (PORTAL_KEY, "/v1/data/alpha/refuse-justified?code=1234"),
        (PORTAL_KEY, "/v1/data/alpha/secret?citizen_id=001"),
        (PORTAL_KEY, "/v1/data/alpha/fails?code=1234"),
        (PORTAL_KEY, "/v1/data/alpha/invalid-block?code=1234"),
        (PORTAL_KEY, "/v1/data/alpha/invalid-flag?code=1234"),
        (PORTAL_KEY, "/v1/data/alpha/missing?code=1234"),
        (PORTAL_KEY, "/v1/data/alpha/people?citizen_id=abc"),
        (PORTAL_KEY, "/v1/data/gamma/registry?code=1234"),
        (POLICE_KEY, RESTRICTED),
        (POLICE_KEY, "/v1/data/alpha/people?citizen_id=003"),
        (POLICE_KEY, "/v1/data/alpha/refuse-justified?code=1234"),
        (POLICE_KEY, "/v1/data/beta/licences?code=1234"),
        (POLICE_KEY, "/v1/data/gamma/registry?code=1234"),
    ];
    for (key, path) in calls {
        let r = gw.get(key, path).await;
        let id = request_id(&r);
        if r.status() == 403 || r.status() == 451 {
            let body: Value = r.json().await.unwrap_or(Value::Null);
            if body["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("/refused"))
            {
                sent.refusals.push(id.clone());
                if *key == PORTAL_KEY {
                    sent.portal_refusals.push(id.clone());
                } else {
                    sent.police_refusals.push(id.clone());
                }
            }
        }
        sent.all.push(id);
    }
    for _ in 0..5 {
        let r = gw
            .get(OFFICER_ALPHA_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await;
        assert_eq!(r.status(), 200);
        sent.all.push(request_id(&r));
        sent.self_calls += 1;
    }
    let r = gw.get(OFFICER_ALPHA_KEY, RESTRICTED).await;
    sent.all.push(request_id(&r));
    sent.self_calls += 1;
    sent
}

/// `GET path` without credentials: (status, content type, body text).
pub async fn public(gw: &Gateway, path: &str) -> (u16, String, String) {
    let r = gw.anon(path).await;
    let (s, ct) = (r.status().as_u16(), header(&r, "content-type"));
    (s, ct, r.text().await.unwrap())
}

/// The published ranking (JSON) right now.
pub async fn ranking_json(gw: &Gateway) -> Value {
    let (s, _, body) = public(gw, "/public/ranking.json").await;
    assert_eq!(s, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// One agency's entry of a ranking.
pub fn agency<'a>(ranking: &'a Value, id: &str) -> &'a Value {
    super::item(&ranking["agencies"], "id", id)
}

/// One indicator of an agency's entry.
pub fn indicator<'a>(agency: &'a Value, id: &str) -> &'a Value {
    super::item(&agency["indicators"], "id", id)
}
