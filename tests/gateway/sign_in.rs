//! Staff sign-in with OpenID Connect, end to end: headless Chromium signs in at a real OpenID
//! provider (`oidc-provider` on Node) and lands on the oversight page signed in; the session
//! cookie is opaque, HttpOnly and SameSite=Lax; the live session is attacked (cross-site POST,
//! data request, forged cookie); sign-out ends it server-side; a callback with a wrong or
//! unbound state is refused as problem+json.

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::checks::expect_problem;
use crate::common::oidc::{tools, Driver, Provider};
use crate::common::ranking::*;
use crate::common::{browser, Gateway, Upstream};

const CLIENT: &str = "dxgate-test";
const SECRET: &str = "test-client-secret-0123456789";
const STAFF: &str = "oversight-officer-1";

/// A gateway with `[sign_in]` at a running provider; the oversight consumer is staff member
/// `STAFF`, alpha's officer is `alpha-officer-1`.
async fn setup(dir: &std::path::Path) -> (Upstream, Catalogue, Provider, Gateway) {
    let up = Upstream::start().await;
    let cat = catalogue(&up);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect = format!("http://127.0.0.1:{port}/auth/callback");
    let provider = Provider::start(dir, CLIENT, SECRET, &redirect).await;
    cat.write("keys/sign-in.secret", SECRET);
    cat.append(
        "dxgate.toml",
        &format!(
            "[sign_in]\nissuer = \"{}\"\nclient_id = \"{CLIENT}\"\nclient_secret_file = \"keys/sign-in.secret\"\nredirect_url = \"{redirect}\"\n",
            provider.issuer
        ),
    );
    cat.edit(
        "policies/consumers.toml",
        "name = \"Oversight office\"\n",
        &format!("name = \"Oversight office\"\nsign_in_subject = \"{STAFF}\"\n"),
    );
    cat.edit(
        "policies/consumers.toml",
        "name = \"Alpha officer\"\n",
        "name = \"Alpha officer\"\nsign_in_subject = \"alpha-officer-1\"\n",
    );
    let listen = format!("127.0.0.1:{port}");
    let gw = Gateway::start_with_env(cat.path(), &[("DXGATE_LISTEN", &listen)]).await;
    (up, cat, provider, gw)
}

fn session_cookie(seen: &Value) -> Value {
    seen["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "dxgate_session")
        .cloned()
        .unwrap_or_else(|| panic!("no session cookie: {seen}"))
}

#[tokio::test]
async fn staff_sign_in_in_chromium() {
    let (Some(dir), Some(chromium)) = (tools(), browser::chromium()) else {
        return;
    };
    let (_up, _cat, provider, gw) = setup(&dir).await;
    let sent = traffic(&gw).await;
    let base = gw.base.clone();

    let (driver, seen) = Driver::sign_in(&dir, &chromium, &base, "/oversight", STAFF).await;
    // Before: a sign-in link, no key form, no data.
    let before = seen["before"].as_str().unwrap();
    assert!(before.contains("Sign in with eID"), "{before}");
    assert!(
        !before.contains("API key"),
        "the page asks staff for no key: {before}"
    );
    // The login happened at the provider, with PKCE S256, state and nonce.
    let at = seen["provider"].as_str().unwrap();
    assert!(at.starts_with(&provider.issuer), "{at}");
    // Landed back on the oversight page, signed in as the oversight consumer, refusals listed.
    assert_eq!(seen["landed"], format!("{base}/oversight"));
    let text = seen["text"].as_str().unwrap();
    assert!(
        text.contains("Signed in as Oversight office (oversight, oversight)"),
        "{text}"
    );
    assert!(
        text.contains("refusal(s) not yet reviewed") && text.contains("Record verdict"),
        "{text}"
    );
    for rid in &sent.refusals {
        assert!(text.contains(rid.as_str()), "refusal {rid} is listed");
    }
    // The cookie: opaque, HttpOnly (invisible to scripts), SameSite=Lax, not Secure over plain
    // HTTP, and the login cookie is gone.
    assert_eq!(seen["document_cookie"], "");
    let cookie = session_cookie(&seen);
    assert_eq!(cookie["httpOnly"], true);
    assert_eq!(cookie["sameSite"], "Lax");
    assert_eq!(cookie["secure"], false);
    let token = cookie["value"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43, "256 random bits, base64url");
    // (Cookies are not port-scoped: the provider's own cookies on 127.0.0.1 are there too.)
    let ours = |v: &Value| -> Vec<String> {
        let names = v.as_array().unwrap().iter();
        let names = names.map(|c| c.get("name").unwrap_or(c).as_str().unwrap().to_owned());
        names.filter(|n| n.starts_with("dxgate_")).collect()
    };
    assert_eq!(ours(&seen["cookies"]), ["dxgate_session"], "{seen}");

    // The live session, attacked from outside the browser.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let with = |path: &str| {
        http.get(format!("{base}{path}"))
            .header("Cookie", format!("dxgate_session={token}"))
    };
    let r = with("/v1/oversight/refusals").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["can_review"], true);
    // The session is no credential for data.
    let r = with("/v1/data/alpha/people?citizen_id=001")
        .header("Data-Purpose", "social-benefit")
        .send()
        .await
        .unwrap();
    let (_, p) = expect_problem(r, 401).await;
    assert_eq!(p["type"], "https://dxgate.dev/problems/unauthenticated");
    // (a data request's 401 is itself recorded: expect_problem checks its Request-Id)
    // A cross-site review with the cookie is refused before anything is recorded.
    let review = format!("{base}/v1/oversight/refusals/{}/review", sent.refusals[0]);
    let body = r#"{"verdict":"overturned","note":"forged"}"#;
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut req = http
            .post(&review)
            .header("Cookie", format!("dxgate_session={token}"))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(o) = origin {
            req = req
                .header("Origin", o)
                .header("Sec-Fetch-Site", "cross-site");
        }
        let p = problem(req.send().await.unwrap(), 403).await;
        assert_eq!(p["type"], "https://dxgate.dev/problems/forbidden");
        assert!(p["detail"].as_str().unwrap().contains("own pages"), "{p}");
    }
    let (_, v) = crate::oversight::get(
        &gw,
        Some(OVERSIGHT_KEY),
        "/v1/oversight/refusals?review=overturned",
    )
    .await;
    assert_eq!(
        v["refusals"].as_array().unwrap().len(),
        0,
        "nothing was recorded"
    );
    // The same review from the gateway's own origin is recorded, as the signed-in consumer.
    let r = http
        .post(&review)
        .header("Cookie", format!("dxgate_session={token}"))
        .header("Origin", &base)
        .header("Content-Type", "application/json")
        .body(r#"{"verdict":"upheld","note":"Grounds verified."}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, v) = crate::oversight::get(
        &gw,
        Some(OVERSIGHT_KEY),
        "/v1/oversight/refusals?review=upheld",
    )
    .await;
    assert_eq!(v["refusals"][0]["review"]["reviewer"], "oversight", "{v}");
    // A forged session value is 401.
    let r = http
        .get(format!("{base}/v1/oversight/refusals"))
        .header(
            "Cookie",
            "dxgate_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .send()
        .await
        .unwrap();
    problem(r, 401).await;

    // Sign out: back on the page with the sign-in link, the cookie cleared, the session gone.
    let after = driver.sign_out().await;
    assert_eq!(after["landed"], format!("{base}/oversight"));
    let text = after["text"].as_str().unwrap();
    assert!(
        text.contains("Sign in with eID") && !text.contains("Signed in as"),
        "{text}"
    );
    assert_eq!(ours(&after["cookies"]), Vec::<String>::new(), "{after}");
    let r = with("/v1/oversight/refusals").send().await.unwrap();
    let p = problem(r, 401).await;
    assert!(
        p["detail"].as_str().unwrap().contains("sign in again"),
        "{p}"
    );
}

/// Wrong state, a state not bound to this browser, a replayed state, a foreign `next`, and a
/// gateway without `[sign_in]`: each refused as problem+json, and no session opened.
#[tokio::test]
async fn callback_checks_state() {
    let Some(dir) = tools() else {
        return;
    };
    let (_up, _cat, provider, gw) = setup(&dir).await;
    let base = gw.base.clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(format!("{base}/auth/login?next=/agency"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.starts_with("dxgate_login=")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(
        location.starts_with(&format!("{}/auth?", provider.issuer)),
        "{location}"
    );
    let q: std::collections::HashMap<String, String> = url_query(&location).into_iter().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["nonce"].len(), 43);
    let state = q["state"].clone();
    assert_eq!(
        set,
        format!("dxgate_login={state}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax")
    );

    let callback = |state: &str, cookie: Option<&str>| {
        let mut r = http.get(format!(
            "{base}/auth/callback?code=made-up&state={state}&iss={}",
            provider.issuer
        ));
        if let Some(c) = cookie {
            r = r.header("Cookie", format!("dxgate_login={c}"));
        }
        r.send()
    };
    let failed = |p: &Value| {
        assert_eq!(p["type"], "https://dxgate.dev/problems/sign-in-failed");
        assert!(p["detail"].as_str().unwrap().contains("(state)"), "{p}");
    };
    // A state this gateway never issued.
    let p = problem(
        callback("forged-state", Some("forged-state"))
            .await
            .unwrap(),
        400,
    )
    .await;
    failed(&p);
    // The real state, but from a browser that did not start the sign-in (login CSRF): refused,
    // and the state is spent, so the right browser cannot use it afterwards either.
    let p = problem(callback(&state, None).await.unwrap(), 400).await;
    failed(&p);
    let p = problem(callback(&state, Some(&state)).await.unwrap(), 400).await;
    failed(&p);
    // A fresh sign-in with its cookie but a made-up code: the provider will not redeem it.
    let r = http.get(format!("{base}/auth/login")).send().await.unwrap();
    let q: std::collections::HashMap<String, String> =
        url_query(r.headers()["location"].to_str().unwrap())
            .into_iter()
            .collect();
    let p = problem(callback(&q["state"], Some(&q["state"])).await.unwrap(), 400).await;
    assert_eq!(p["type"], "https://dxgate.dev/problems/sign-in-failed");
    assert!(
        p["detail"].as_str().unwrap().contains("invalid_grant"),
        "{p}"
    );
    assert_eq!(
        gw.inproc()
            .sign_in
            .as_ref()
            .unwrap()
            .sessions
            .open_sessions(),
        0
    );
    // `next` must stay on this gateway.
    let r = http
        .get(format!("{base}/auth/login?next=//evil.example/"))
        .send()
        .await
        .unwrap();
    let p = problem(r, 400).await;
    assert_eq!(p["type"], "https://dxgate.dev/problems/sign-in-failed");
    // Without [sign_in]: 404, and /auth/session says sign-in is off.
    let up = Upstream::start().await;
    let plain = Gateway::start(catalogue(&up).path()).await;
    let p = problem(plain.anon("/auth/login").await, 404).await;
    assert!(p["detail"].as_str().unwrap().contains("[sign_in]"), "{p}");
    assert_eq!(
        plain.anon_json("/auth/session").await,
        serde_json::json!({"sign_in": false, "signed_in": false})
    );
}

/// A problem+json answer of a non-data endpoint (no audit record, so no Request-Id).
async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.headers().get("request-id").is_none());
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], status, "{p}");
    assert!(!p["title"].as_str().unwrap().is_empty(), "{p}");
    p
}

fn url_query(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded_pairs(q)
}

fn form_urlencoded_pairs(q: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{q}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
