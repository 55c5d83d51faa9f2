//! Protection of agency systems and of data subjects: slow clients and oversized heads,
//! upstream TLS, and the bulk-harvest alarm's security event. (The circuit breaker, rate limits
//! and harvest windows, which depend on time, are tested on paused time in `timed.rs`.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::common::catalogue::*;
use crate::common::pki::Ca;
use crate::common::*;

#[tokio::test]
async fn slow_clients_and_oversized_heads_are_cut_off() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_settings(&up, "[server]\nnode_id = \"test-node\"\nmax_request_body = 4096\nbody_read_timeout = \"300ms\"\nmax_headers = 20\nmax_header_bytes = 8192\n");
    let gw = Gateway::start(cat.path()).await;

    // A body that trickles in: 408 after body_read_timeout, recorded.
    let started = Instant::now();
    let head = format!(
        "POST /v1/data/alpha/http-post HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {PORTAL_KEY}\r\nData-Purpose: p\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"code\":"
    );
    let (code, text) = raw(&gw, head.as_bytes(), None).await;
    assert_eq!(code, 408, "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("request-id: "))
        .expect("408 carries its Request-Id");
    assert_eq!(record(&gw, id.trim()).await["outcome"], "rejected_request");

    // Too many headers, or too large a head: 431 before any handler runs.
    let mut many = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for i in 0..30 {
        many += &format!("X-Pad-{i}: y\r\n");
    }
    many += "Connection: close\r\n\r\n";
    assert_eq!(raw(&gw, many.as_bytes(), None).await.0, 431);
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(10_000)
    );
    assert_eq!(raw(&gw, big.as_bytes(), None).await.0, 431);
    // Within limits, fine.
    let ok = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_eq!(raw(&gw, ok.as_bytes(), None).await.0, 200);
}

#[tokio::test]
async fn bulk_harvest_raises_an_alarm_and_blocks_the_consumer() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_more_settings(&up, HARVEST_BLOCK_1H);
    let gw = Gateway::start_binary(cat.path()).await;
    for id in ["001", "002", "003", "001"] {
        assert_eq!(gw.get(PORTAL_KEY, &person(id)).await.status(), 200, "{id}");
    }
    let r = gw.get(PORTAL_KEY, &person("004")).await;
    assert!(r.headers().contains_key("retry-after"));
    expect_harvest_blocked(&gw, r).await;
    // Blocked for every dataset now; other consumers are not.
    let (status, _, _, body) = parts(gw.get(PORTAL_KEY, HTTP_OK).await).await;
    assert_eq!(status, 429);
    assert_eq!(body["type"], "https://dxgate.dev/problems/harvest-blocked");
    assert_eq!(gw.get(POLICE_KEY, &person("005")).await.status(), 200);
    let log = gw.log();
    let alarm = log
        .lines()
        .find(|l| l.contains("bulk_harvest"))
        .unwrap_or_else(|| panic!("no security event in {log}"));
    assert!(
        alarm.contains("dxgate::security") && alarm.contains("\"portal\""),
        "{alarm}"
    );
}

fn pem_certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test]
async fn upstream_tls_with_a_custom_ca_and_a_client_certificate() {
    let agency_ca = Ca::new("Agency CA");
    let gateway_ca = Ca::new("Gateway client CA");
    let server = agency_ca.server();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(pem_certs(&gateway_ca.cert_pem()));
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        dxgate::crypto::provider(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(dxgate::crypto::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            pem_certs(&server.cert_pem),
            PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes()).unwrap(),
        )
        .unwrap();
    let up = Upstream::start_tls(config).await;
    let plain = Upstream::start().await;
    let cat = Catalogue::new(&format!("http://{}", plain.addr));
    cat.write("tls/agency-ca.crt", &agency_ca.cert_pem());
    gateway_ca
        .client("dxgate", "gateway")
        .write(&cat.file("tls"), "gateway");
    let url = format!("https://localhost:{}/ok", up.addr.port());
    let mut ds = http_dataset(
        "secure",
        &url,
        "ca_file = \"tls/agency-ca.crt\"\nclient_cert = \"tls/gateway.crt\"\nclient_key = \"tls/gateway.key\"",
        "",
    );
    ds += &http_dataset(
        "no-client-cert",
        &url,
        "ca_file = \"tls/agency-ca.crt\"",
        "",
    );
    ds += &http_dataset("system-roots", &url, "", "");
    cat.write("policies/agencies/gamma.toml", &gamma(&ds));
    let gw = Gateway::start(cat.path()).await;

    let r = gw.get(PORTAL_KEY, "/v1/data/gamma/secure?code=1234").await;
    assert_eq!(r.status(), 200, "{}", gw.log());
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "code=1234"
    );
    for ds in ["no-client-cert", "system-roots"] {
        let (status, id, _, body) = parts(
            gw.get(PORTAL_KEY, &format!("/v1/data/gamma/{ds}?code=1234"))
                .await,
        )
        .await;
        assert_eq!(status, 502, "{ds}: {body}");
        assert!(
            !body["detail"].as_str().unwrap().contains("certificate"),
            "no internals: {body}"
        );
        assert_eq!(record(&gw, &id).await["outcome"], "source_error");
    }
}

#[tokio::test]
async fn security_settings_problems_name_file_and_line() {
    let cat = Catalogue::new("http://127.0.0.1:9");
    cat.append(
        "dxgate.toml",
        "[tls]\ncert = \"tls/missing.crt\"\n\n[jwt]\nissuer = \"\"\naudiences = [\"dxgate\"]\nalgorithms = [\"HS256\"]\njwks_url = \"http://eid.example/jwks\"\n\n[harvest]\nmultiplier = 0.5\n",
    );
    cat.write(
        "policies/agencies/gamma.toml",
        &gamma(&http_dataset(
            "bad-tls",
            "http://127.0.0.1:9/x",
            "ca_file = \"tls/ca.crt\"",
            "",
        )),
    );
    let (code, out, err) = run_cli(&["check"], cat.path());
    assert_eq!(code, 1, "{out}{err}");
    let toml = cat.read("dxgate.toml");
    let line_of = |needle: &str| toml.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for (line, says) in [
        (line_of("[tls]"), "needs both cert and key"),
        (line_of("[jwt]"), "issuer is required"),
        (line_of("algorithms ="), "HS256"),
        (line_of("jwks_url ="), "https://"),
        (line_of("multiplier ="), "multiplier"),
    ] {
        let want = format!("dxgate.toml:{line}:");
        assert!(
            err.lines().any(|l| l.contains(&want) && l.contains(says)),
            "expected {want} … {says} in:\n{err}"
        );
    }
    assert!(
        err.contains("gamma.toml:") && err.contains("only to https://"),
        "{err}"
    );
}
