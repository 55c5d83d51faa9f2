//! TLS on the listener with real certificates: handshakes, mTLS consumers by fingerprint and
//! by subject, unregistered and untrusted client certificates, and certificate reloads.

use std::time::Duration;

use crate::common::catalogue::*;
use crate::common::pki::{tls_client, tls_client_builder, Ca};
use crate::common::*;

const PEOPLE: &str = "/v1/data/alpha/people?citizen_id=001";

async fn get(
    c: &reqwest::Client,
    gw: &Gateway,
    key: Option<&str>,
) -> reqwest::Result<reqwest::Response> {
    let mut req = c
        .get(gw.url(PEOPLE))
        .header("Data-Purpose", "social-benefit");
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    req.send().await
}

#[tokio::test]
async fn listener_speaks_tls_and_maps_client_certificates() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let server_ca = Ca::new("Test server CA");
    let client_ca = Ca::new("Test consumer CA");
    server_ca.server().write(&cat.file("tls"), "server");
    cat.write("tls/clients-ca.crt", &client_ca.cert_pem());
    cat.append(
        "dxgate.toml",
        "[tls]\ncert = \"tls/server.crt\"\nkey = \"tls/server.key\"\nclient_ca = \"tls/clients-ca.crt\"\n",
    );
    let by_fingerprint = client_ca.client("National Portal", "portal-app");
    let by_subject = client_ca.client("Delta Province", "delta-app");
    let unregistered = client_ca.client("Nobody", "stranger");
    cat.append(
        "policies/consumers.toml",
        &format!(
            "[[consumers]]\nid = \"cert-portal\"\nname = \"Portal (certificate)\"\ncert_sha256 = \"{}\"\n\
             [[consumers]]\nid = \"cert-delta\"\nname = \"Delta (certificate)\"\ncert_subject = \"C = VN, O = Delta Province, CN = delta-app\"\n",
            by_fingerprint.sha256.to_uppercase()
        ),
    );
    let gw = Gateway::start_binary(cat.path()).await;
    assert!(gw.base.starts_with("https://127.0.0.1:"), "{}", gw.base);

    // Plain HTTP on the TLS port gets nowhere.
    let plain = gw.base.replacen("https://", "http://", 1);
    let r = client().get(format!("{plain}{PEOPLE}")).send().await;
    let refused = r.expect_err("plain HTTP on the TLS port was answered");
    assert!(!refused.is_status(), "{refused}");

    // A client trusting the server CA, with an API key; TLS 1.2 is accepted too.
    let r = get(&tls_client(&server_ca, None), &gw, Some(PORTAL_KEY))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tls12 = tls_client_builder(&server_ca, None)
        .max_tls_version(reqwest::tls::Version::TLS_1_2)
        .build()
        .unwrap();
    assert_eq!(
        get(&tls12, &gw, Some(PORTAL_KEY)).await.unwrap().status(),
        200
    );

    // Consumers identified by their client certificate alone.
    for (leaf, consumer) in [
        (&by_fingerprint, "cert-portal"),
        (&by_subject, "cert-delta"),
    ] {
        let c = tls_client(&server_ca, Some(leaf));
        let r = get(&c, &gw, None).await.unwrap();
        assert_eq!(r.status(), 200, "{consumer}");
        let id = request_id(&r);
        let rec = record_with(&tls_client(&server_ca, None), &gw, &id).await;
        assert_eq!(rec["consumer"], consumer);
    }

    // A certificate from the consumer CA that no consumer registered: 401 naming its fingerprint.
    let c = tls_client(&server_ca, Some(&unregistered));
    let (status, id, _, body) = parts(get(&c, &gw, None).await.unwrap()).await;
    assert_eq!(status, 401);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(&unregistered.sha256),
        "{body}"
    );
    let rec = record_with(&tls_client(&server_ca, None), &gw, &id).await;
    assert_eq!(rec["outcome"], "unauthenticated");

    // A certificate from a CA the gateway does not trust fails the handshake.
    let rogue = Ca::new("Rogue CA").client("National Portal", "portal-app");
    let c = tls_client(&server_ca, Some(&rogue));
    assert!(
        get(&c, &gw, None).await.is_err(),
        "untrusted client certificate"
    );
    // A client that does not trust the gateway's CA refuses the connection.
    assert!(
        get(&tls_client(&Ca::new("Other"), None), &gw, Some(PORTAL_KEY))
            .await
            .is_err()
    );
}

/// Fresh clients each time: a pooled connection would keep the old certificate.
async fn trusted_by(ca: &Ca, gw: &Gateway) -> bool {
    get(&tls_client(ca, None), gw, Some(PORTAL_KEY))
        .await
        .is_ok_and(|r| r.status() == 200)
}

/// The gateway (binary) serving TLS with a certificate from `ca`, reloading every `interval`.
async fn serving_certificate_of(up: &Upstream, ca: &Ca, interval: &str) -> (Catalogue, Gateway) {
    let cat = Catalogue::on(up);
    ca.server().write(&cat.file("tls"), "server");
    cat.append(
        "dxgate.toml",
        &format!(
            "[tls]\ncert = \"tls/server.crt\"\nkey = \"tls/server.key\"\nreload_interval = \"{interval}\"\n"
        ),
    );
    let gw = Gateway::start_binary(cat.path()).await;
    (cat, gw)
}

#[tokio::test]
async fn certificates_reload_on_sighup_and_on_file_change() {
    let up = Upstream::start().await;
    let (old_ca, new_ca, newest_ca) = (Ca::new("Old CA"), Ca::new("New CA"), Ca::new("Newest CA"));

    // SIGHUP only (reload_interval = 0s).
    let (cat, gw) = serving_certificate_of(&up, &old_ca, "0s").await;
    assert!(trusted_by(&old_ca, &gw).await);
    new_ca.server().write(&cat.file("tls"), "server");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(trusted_by(&old_ca, &gw).await, "no reload without SIGHUP");
    let hup = || {
        std::process::Command::new("kill")
            .args(["-HUP", &gw.pid().to_string()])
            .status()
            .unwrap()
    };
    assert!(hup().success());
    assert!(eventually(5, async || trusted_by(&new_ca, &gw).await).await);
    assert!(!trusted_by(&old_ca, &gw).await);
    // A broken file keeps the previous certificate in use.
    cat.write("tls/server.crt", "garbage");
    assert!(hup().success());
    // Wait for the reload attempt itself (its log line), then check what is in use.
    assert!(
        eventually(10, async || gw.log().contains("tls_reload_failed")).await,
        "no failed reload logged after SIGHUP:\n{}",
        gw.log()
    );
    assert!(trusted_by(&new_ca, &gw).await);
    gw.stop().await;

    // Polling for file changes.
    let (cat, gw) = serving_certificate_of(&up, &old_ca, "100ms").await;
    assert!(trusted_by(&old_ca, &gw).await);
    newest_ca.server().write(&cat.file("tls"), "server");
    assert!(eventually(5, async || trusted_by(&newest_ca, &gw).await).await);
    assert!(gw.log().contains("tls_reloaded"));
}
