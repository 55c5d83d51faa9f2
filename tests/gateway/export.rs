//! The oversight export (issue 14, item 5): a period's refusals, justifications, appeals and
//! verdicts, as JSON, CSV and a printable report, match the audit records, the case story and
//! the review log they come from; only oversight may export; bad parameters are 400 problems.

use serde_json::{json, Value};

use crate::common::catalogue::*;
use crate::common::*;

/// A POST that must be answered 201.
async fn post(gw: &Gateway, key: &str, path: &str, body: Value) -> Value {
    let (status, body) = post_json(gw, key, path, body).await;
    assert_eq!(status, 201, "POST {path}: {body}");
    body
}

async fn get_json(gw: &Gateway, key: &str, path: &str) -> Value {
    let (status, _, _, body) = parts(gw.get_as(key, path).await).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// The period around now: yesterday to tomorrow in the deployment's zone (the default).
fn period() -> String {
    let zone = dxgate::calendar::Zone::default();
    let now = dxgate::audit::now_ms();
    let day = dxgate::calendar::DAY_MS;
    format!(
        "from={}&to={}",
        zone.format_date(now - day),
        zone.format_date(now + day)
    )
}

/// RFC 4180 lines into cells (quoted cells may hold commas and doubled quotes).
fn csv(text: &str) -> Vec<Vec<String>> {
    text.split_terminator("\r\n")
        .map(|line| {
            let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cell.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => cells.push(std::mem::take(&mut cell)),
                    (c, _) => cell.push(c),
                }
            }
            cells.push(cell);
            cells
        })
        .collect()
}

#[tokio::test]
async fn the_export_matches_the_records_the_story_and_the_review_log() {
    let up = Upstream::start().await;
    let closed = "[[datasets.refusals]]\nlegal_basis = \"Gamma Act, Art. 1\"\nreason = \"Closed, for now.\"\n";
    let cat = Catalogue::with_gamma(&up, &http_dataset("closed", &up.url("/ok"), "", closed));
    let gw = Gateway::start(cat.path()).await;
    let justified = request_id(&gw.get(PORTAL_KEY, RESTRICTED).await);
    let bare = request_id(
        &gw.get(PORTAL_KEY, "/v1/data/alpha/refuse-bare?code=1234")
            .await,
    );
    let gamma = request_id(&gw.get(PORTAL_KEY, "/v1/data/gamma/closed?code=1234").await);
    let served = request_id(&gw.get(PORTAL_KEY, HTTP_OK).await);

    // The story of one refusal, and a review of another.
    let why = json!({"legal_basis": "Records Act, Art. 7(2)", "reason": "An \"open\" investigation.", "document_ref": "CV-2026/117"});
    let j = post(
        &gw,
        OFFICER_ALPHA_KEY,
        &format!("/v1/refusals/{justified}/justification"),
        why,
    )
    .await;
    let appeal = json!({"request_id": justified, "grounds": "=HYPERLINK(\"x\"), a court order"});
    let a = post(&gw, PORTAL_KEY, "/v1/appeals", appeal).await;
    let decide = format!("/v1/appeals/{}/decision", a["appeal_id"].as_str().unwrap());
    let v = post(
        &gw,
        OVERSIGHT_KEY,
        &decide,
        json!({"verdict": "overturned", "note": "Covered."}),
    )
    .await;
    let review = json!({"verdict": "upheld", "note": "The source may refuse this."});
    let r = post(
        &gw,
        OVERSIGHT_KEY,
        &format!("/v1/oversight/refusals/{bare}/review"),
        review,
    )
    .await;

    let export = get_json(
        &gw,
        OVERSIGHT_KEY,
        &format!("/v1/oversight/export?{}", period()),
    )
    .await;
    let rows = export["rows"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["about"].as_str().unwrap()))
        .collect();
    let (jd, bd, gd) = (justified.as_str(), bare.as_str(), gamma.as_str());
    assert_eq!(
        kinds,
        [
            ("refusal", jd),
            ("refusal", bd),
            ("refusal", gd),
            ("justification", jd),
            ("appeal", jd),
            ("appeal_verdict", jd),
            ("review", bd),
        ]
    );
    assert!(!rows.iter().any(|r| r["about"] == json!(served)));

    // Refusal rows are the refused audit records, as /v1/audit/records lists them.
    let records = get_json(&gw, OVERSIGHT_KEY, "/v1/audit/records?outcome=refused").await;
    let records = records["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    let current = get_json(&gw, OVERSIGHT_KEY, "/v1/catalog/versions").await["current"].clone();
    for row in &rows[..3] {
        let rec = records
            .iter()
            .find(|r| r["request_id"] == row["id"])
            .unwrap();
        for (field, want) in [
            ("hash", &rec["hash"]),
            ("ts_ms", &rec["ts_ms"]),
            ("agency", &rec["agency"]),
            ("dataset", &rec["dataset"]),
            ("actor", &rec["consumer"]),
            ("purpose", &rec["purpose"]),
            ("status", &rec["status"]),
            ("catalog_digest", &rec["catalog_digest"]),
            ("legal_basis", &rec["justification"]["legal_basis"]),
            ("reason", &rec["justification"]["reason"]),
            ("decided_by", &rec["justification"]["decided_by"]),
            ("justification_status", &rec["justification"]["status"]),
        ] {
            assert_eq!(&row[field], want, "{field} of {}", row["id"]);
        }
        assert_eq!(row["catalog_digest"], current);
    }
    assert_eq!(rows[1]["justification_status"], "unjustified");

    // Step rows are the story's records, in its order, under the version in force.
    let story = get_json(
        &gw,
        OVERSIGHT_KEY,
        &format!("/v1/refusals/{justified}/story"),
    )
    .await;
    let steps = story["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for (row, step) in rows[3..6].iter().zip(steps) {
        let facts = &step["event"]["facts"];
        assert_eq!(
            (&row["id"], &row["hash"]),
            (&step["request_id"], &step["hash"])
        );
        assert_eq!(
            (&row["ts_ms"], &row["actor"]),
            (&step["ts_ms"], &step["consumer"])
        );
        for field in [
            "legal_basis",
            "reason",
            "document_ref",
            "appeal_id",
            "grounds",
            "verdict",
            "note",
            "due_ms",
            "late",
        ] {
            let want = facts.get(field).cloned().unwrap_or(Value::Null);
            assert_eq!(row[field], want, "{field} of {}", row["kind"]);
        }
        assert_eq!(row["catalog_digest"], current);
    }
    let ids = [&j["request_id"], &a["request_id"], &v["request_id"]];
    assert_eq!(rows[3..6].iter().map(|r| &r["id"]).collect::<Vec<_>>(), ids);

    // The review row is the review log's row.
    assert_eq!(
        (
            &rows[6]["id"],
            &rows[6]["hash"],
            &rows[6]["verdict"],
            &rows[6]["actor"]
        ),
        (
            &json!(format!("review-{}", r["seq"])),
            &r["hash"],
            &json!("upheld"),
            &r["reviewer"]
        )
    );

    // One agency: only its rows.
    let only = get_json(
        &gw,
        OVERSIGHT_KEY,
        &format!("/v1/oversight/export?{}&agency=gamma", period()),
    )
    .await;
    let only: Vec<&Value> = only["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(only, [&json!(gamma)]);

    // CSV: the same rows, cell for cell, formulas defused.
    let r = gw
        .get_as(
            OVERSIGHT_KEY,
            &format!("/v1/oversight/export?{}&format=csv", period()),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/csv; charset=utf-8");
    assert!(header(&r, "content-disposition").starts_with("attachment; filename=\"dxgate-export-"));
    let table = csv(&r.text().await.unwrap());
    assert_eq!(table[0], dxgate::oversight::export::COLUMNS);
    assert_eq!(table.len(), rows.len() + 1);
    let col = |name: &str| table[0].iter().position(|c| c == name).unwrap();
    for (line, row) in table[1..].iter().zip(rows) {
        for name in [
            "kind",
            "id",
            "about",
            "ts_ms",
            "hash",
            "catalog_digest",
            "legal_basis",
            "reason",
        ] {
            let want = match &row[name] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            assert_eq!(line[col(name)], want, "{name}");
        }
    }
    assert_eq!(
        table[5][col("grounds")],
        "'=HYPERLINK(\"x\"), a court order"
    );

    // The printable report: every row, print CSS, no script.
    let r = gw
        .get_as(
            OVERSIGHT_KEY,
            &format!("/v1/oversight/export?{}&format=html", period()),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert!(header(&r, "content-security-policy").starts_with("default-src 'none'"));
    let page = r.text().await.unwrap();
    assert!(page.contains("@media print") && page.contains("@page{size:A4 landscape"));
    assert_eq!(page.matches("<tr class=\"row\"").count(), rows.len());
    for row in rows {
        assert!(page.contains(&format!("data-id=\"{}\"", row["id"].as_str().unwrap())));
    }
    assert!(
        page.contains("An &quot;open&quot; investigation."),
        "escaped"
    );
    assert!(!page.contains("<script"));

    // Each export is a witnessed read: who, the filter, how many rows.
    let events = get_json(
        &gw,
        OVERSIGHT_KEY,
        "/v1/audit/records?outcome=event&limit=1000",
    )
    .await;
    let reads: Vec<&Value> = events["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["facts"]["endpoint"] == "/v1/oversight/export")
        .collect();
    assert_eq!(reads.len(), 4);
    let returned: Vec<&Value> = reads
        .iter()
        .map(|e| &e["event"]["facts"]["returned"])
        .collect();
    assert_eq!(
        returned,
        [&json!(7), &json!(7), &json!(1), &json!(7)],
        "newest first"
    );
    assert!(reads.iter().all(|e| e["consumer"] == "oversight"));
}

#[tokio::test]
async fn only_oversight_exports_and_bad_parameters_are_400_problems() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    let ok = "/v1/oversight/export?from=2026-01-01&to=2026-01-31";
    for key in [OFFICER_ALPHA_KEY, PORTAL_KEY] {
        let (status, _, ct, body) = parts(gw.get_as(key, ok).await).await;
        assert_eq!(
            (status, ct.as_str()),
            (403, "application/problem+json"),
            "{key}"
        );
        assert_eq!(body["type"], "https://dxgate.dev/problems/forbidden");
    }
    let r = client().get(gw.url(ok)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    for (query, names) in [
        ("to=2026-01-31", "\"from\""),
        ("from=2026-01-01", "\"to\""),
        ("from=2026-02-30&to=2026-03-01", "\"from\""),
        ("from=2026-02-01&to=2026-01-31", "\"to\""),
        ("from=2026-01-01&to=2026-01-31&format=pdf", "\"format\""),
        ("from=2026-01-01&to=2026-01-31&since_ms=1", "\"since_ms\""),
    ] {
        let path = format!("/v1/oversight/export?{query}");
        let (status, _, ct, body) = parts(gw.get_as(OVERSIGHT_KEY, &path).await).await;
        assert_eq!(
            (status, ct.as_str()),
            (400, "application/problem+json"),
            "{query}"
        );
        assert_eq!(
            body["type"], "https://dxgate.dev/problems/invalid-request",
            "{query}"
        );
        assert!(
            body["detail"].as_str().unwrap().contains(names),
            "{query}: {body}"
        );
    }
    // A period with nothing in it is an empty export, not an error.
    let (status, _, _, body) = parts(gw.get_as(OVERSIGHT_KEY, ok).await).await;
    assert_eq!((status, &body["rows"]), (200, &json!([])));
    assert_eq!(
        (&body["from"], &body["to"]),
        (&json!("2026-01-01"), &json!("2026-01-31"))
    );
}
