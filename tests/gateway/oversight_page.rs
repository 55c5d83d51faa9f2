//! The oversight page in headless Chromium: no data without a key, every refusal with its
//! justification and deadline for oversight, only its own refusals for a consumer.

use serde_json::json;

use crate::common::browser;
use crate::common::catalogue::*;
use crate::common::ranking::*;
use crate::oversight::{get, review};

#[tokio::test]
async fn oversight_page_in_chromium() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let (_up, _cat, gw) = setup().await;
    let sent = traffic(&gw).await;
    let (_, v) = get(&gw, Some(OVERSIGHT_KEY), "/v1/oversight/refusals").await;
    let id = v["refusals"][0]["request_id"].as_str().unwrap().to_owned();
    review(
        &gw,
        OVERSIGHT_KEY,
        &id,
        json!({"verdict": "upheld", "note": "Grounds verified."}),
    )
    .await;

    // Without a key: a prompt, and no data.
    let dom = browser::dom(&chromium, &gw.url("/oversight")).await;
    assert!(
        dom.contains("Refusals to review") && dom.contains("Enter your key"),
        "{dom}"
    );
    for rid in &sent.refusals {
        assert!(!dom.contains(rid.as_str()));
    }
    // With the oversight key: every refusal with its justification and deadline.
    let url = gw.url(&format!("/oversight#key={OVERSIGHT_KEY}"));
    let shot = browser::screenshot(&chromium, &url, "oversight-refusals").await;
    eprintln!("screenshot: {}", shot.display());
    let dom = browser::dom(&chromium, &url).await;
    assert!(dom.contains("refusal(s) not yet reviewed"), "{dom}");
    assert!(
        dom.contains("Records Act, Art. 7(2)") && dom.contains("Unjustified"),
        "{dom}"
    );
    assert!(
        dom.contains("Record verdict"),
        "oversight gets review forms"
    );
    for rid in &sent.refusals {
        if *rid != id {
            assert!(dom.contains(rid.as_str()), "unreviewed {rid} is listed");
        }
    }
    // With a consumer's key: only that consumer's refusals, and no review forms.
    let dom = browser::dom(&chromium, &gw.url(&format!("/oversight#key={POLICE_KEY}"))).await;
    assert!(!dom.contains("Record verdict"));
    for rid in &sent.portal_refusals {
        assert!(
            !dom.contains(rid.as_str()),
            "police does not see the portal's refusals"
        );
    }
}
