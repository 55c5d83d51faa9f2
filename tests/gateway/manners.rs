//! HTTP manners (issue 15 item 9): CORS preflights and answers, br/gzip compression, ETag and
//! If-None-Match → 304, against the gateway over real HTTP.

use std::io::Read;

use crate::common::catalogue::{Catalogue, POLICE_KEY, PORTAL_KEY};
use crate::common::upstream::Upstream;
use serde_json::Value;

use crate::common::{client, parts, Gateway};

const WEB_APP: &str = "https://app.portal.example.vn";
const STRANGER: &str = "https://evil.example.com";

/// The standard catalogue; the portal consumer lists [`WEB_APP`] as its web origin.
async fn setup() -> (Upstream, Catalogue, Gateway) {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let consumers = cat.read("policies/consumers.toml").replacen(
        "name = \"Service portal\"\n",
        &format!("name = \"Service portal\"\ncors_origins = [\"{WEB_APP}\"]\n"),
        1,
    );
    cat.write("policies/consumers.toml", &consumers);
    let gw = Gateway::start(cat.path()).await;
    (up, cat, gw)
}

fn problem_type(body: &Value) -> &str {
    body["type"]
        .as_str()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("")
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn preflights_are_answered_per_route_and_per_consumer_origin() {
    let (_up, _cat, gw) = setup().await;
    let c = client();
    let preflight = |path: &str, origin: &str| {
        c.request(reqwest::Method::OPTIONS, gw.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header(
                "Access-Control-Request-Headers",
                "authorization, data-purpose",
            )
            .send()
    };

    // A data endpoint: only an origin some consumer lists.
    let r = preflight("/v1/data/alpha/http-ok", WEB_APP).await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(WEB_APP)
    );
    assert_eq!(
        header(&r, "access-control-allow-methods").as_deref(),
        Some("GET, POST")
    );
    let allowed = header(&r, "access-control-allow-headers").unwrap();
    assert!(
        allowed.contains("Authorization") && allowed.contains("Data-Purpose"),
        "{allowed}"
    );
    assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));
    assert!(
        r.headers().get("request-id").is_none(),
        "a preflight is not a data request"
    );

    let r = preflight("/v1/data/alpha/http-ok", STRANGER).await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(header(&r, "access-control-allow-origin"), None);

    // A public endpoint: any origin.
    let r = preflight("/public/ranking.json", STRANGER).await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(header(&r, "allow").as_deref(), Some("GET, HEAD, OPTIONS"));

    // The oversight page is same-origin only.
    let r = preflight("/oversight", STRANGER).await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(header(&r, "access-control-allow-origin"), None);

    // A plain OPTIONS on a data path is still a data request: recorded, 405.
    let r = c
        .request(reqwest::Method::OPTIONS, gw.url("/v1/data/alpha/http-ok"))
        .bearer_auth(PORTAL_KEY)
        .header("Data-Purpose", "social-benefit")
        .send()
        .await
        .unwrap();
    let (status, id, _, body) = parts(r).await;
    assert_eq!((status, problem_type(&body)), (405, "method-not-allowed"));
    assert!(!id.is_empty(), "recorded");
}

#[tokio::test]
async fn data_answers_allow_only_the_calling_consumers_origins() {
    let (_up, _cat, gw) = setup().await;
    let c = client();
    let call = |key: &'static str, origin: &'static str| {
        c.get(gw.url("/v1/data/alpha/http-ok?code=1234"))
            .bearer_auth(key)
            .header("Data-Purpose", "social-benefit")
            .header("Origin", origin)
            .send()
    };
    let r = call(PORTAL_KEY, WEB_APP).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(WEB_APP)
    );
    assert!(header(&r, "access-control-expose-headers")
        .unwrap()
        .contains("Request-Id"));
    assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));

    // Same origin, another consumer's key (police lists no origin): no CORS permission.
    let r = call(POLICE_KEY, WEB_APP).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "access-control-allow-origin"), None);

    // The portal's key from an origin it does not list.
    let r = call(PORTAL_KEY, STRANGER).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn public_bodies_are_compressed_and_revalidated_with_etags() {
    let (_up, _cat, gw) = setup().await;
    let c = client();
    let plain = c.get(gw.url("/public/ranking.json")).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(
        header(&plain, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    let etag = header(&plain, "etag").expect("ETag");
    let plain = plain.bytes().await.unwrap();
    assert!(plain.len() > 512, "the ranking is worth compressing");

    for (coding, tag_suffix) in [("br", "-br\""), ("gzip", "-gzip\"")] {
        let r = c
            .get(gw.url("/public/ranking.json"))
            .header("Accept-Encoding", coding)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "content-encoding").as_deref(), Some(coding));
        assert!(header(&r, "vary").unwrap().contains("Accept-Encoding"));
        let tag = header(&r, "etag").unwrap();
        assert!(tag.ends_with(tag_suffix), "{tag}");
        let packed = r.bytes().await.unwrap();
        assert!(
            packed.len() < plain.len() / 2,
            "{coding}: {} bytes",
            packed.len()
        );
        let mut out = Vec::new();
        match coding {
            "br" => brotli::Decompressor::new(&packed[..], 4096)
                .read_to_end(&mut out)
                .unwrap(),
            _ => flate2::read::GzDecoder::new(&packed[..])
                .read_to_end(&mut out)
                .unwrap(),
        };
        assert_eq!(out, plain, "{coding} decodes to the same body");

        // The compressed variant's tag revalidates too.
        let r = c
            .get(gw.url("/public/ranking.json"))
            .header("Accept-Encoding", coding)
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304);
        assert!(r.bytes().await.unwrap().is_empty());
    }

    let r = c
        .get(gw.url("/public/ranking.json"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(header(&r, "etag").as_deref(), Some(etag.as_str()));
    let r = c
        .get(gw.url("/public/ranking.json"))
        .header("If-None-Match", "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Schemas and the catalogue are validated the same way.
    let schema = c
        .get(gw.url("/v1/schemas/person.request.json"))
        .send()
        .await
        .unwrap();
    let tag = header(&schema, "etag").unwrap();
    let r = c
        .get(gw.url("/v1/schemas/person.request.json"))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let cat = c
        .get(gw.url("/v1/catalog"))
        .bearer_auth(PORTAL_KEY)
        .send()
        .await
        .unwrap();
    let tag = header(&cat, "etag").unwrap();
    let r = c
        .get(gw.url("/v1/catalog"))
        .bearer_auth(PORTAL_KEY)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // Without a key the catalogue is still 401, whatever the tag.
    let r = c
        .get(gw.url("/v1/catalog"))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
