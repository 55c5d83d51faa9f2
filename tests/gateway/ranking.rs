//! The public readiness ranking end to end: rollups against a full recompute from the raw
//! records, self-calls ignored, CLI formats, groups, overdue mandates, the public pages (with
//! aggregates only) and the HTML page in headless Chromium.

use serde_json::Value;
use sqlx::Row;

use crate::common::browser;
use crate::common::ranking::setup;
use crate::common::ranking::*;
use crate::common::*;

/// The ranking without the parts that depend on when it was computed.
fn stable(mut v: Value) -> Value {
    for k in ["computed_ms", "window"] {
        v.as_object_mut().unwrap().remove(k);
    }
    for a in v["agencies"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("trend");
    }
    v
}

#[tokio::test]
async fn rollups_equal_a_full_recompute_and_self_calls_are_ignored() {
    let (_up, cat, gw) = setup().await;
    let first = traffic(&gw).await;
    // Reading the public ranking rolls up what is new; then more traffic arrives.
    let before = ranking_json(&gw).await;
    let second = traffic(&gw).await;
    let after = ranking_json(&gw).await;
    assert!(
        agency(&after, "alpha")["counts"]["requests"].as_i64()
            > agency(&before, "alpha")["counts"]["requests"].as_i64()
    );
    assert!(gw.stop().await.success());

    // Self-calls are counted apart and nowhere else.
    let alpha = agency(&after, "alpha");
    assert_eq!(
        alpha["counts"]["self_calls"],
        (first.self_calls + second.self_calls) as i64
    );
    // Independently of the rollup code: raw SQL over the audit records.
    let mut db = cat.audit_sqlite().await;
    let raw = sqlx::query(
        "SELECT agency, dataset, COUNT(*), SUM(outcome = 'served'), SUM(outcome = 'refused') FROM audit_records \
         WHERE agency IS NOT NULL AND dataset IS NOT NULL AND NOT (consumer = 'officer-alpha' AND agency = 'alpha') \
         GROUP BY agency, dataset ORDER BY agency, dataset",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    for table in ["ranking_rollup_hourly", "ranking_rollup_daily"] {
        let rolled = sqlx::query(&format!(
            "SELECT agency, dataset, SUM(requests), SUM(served), SUM(refused) FROM {table} \
             GROUP BY agency, dataset HAVING SUM(requests) > 0 ORDER BY agency, dataset"
        ))
        .fetch_all(&mut db)
        .await
        .unwrap();
        assert_eq!(raw.len(), rolled.len(), "{table}");
        for (a, b) in raw.iter().zip(&rolled) {
            for i in 0..5 {
                let (x, y): (String, String) = if i < 2 {
                    (a.get(i), b.get(i))
                } else {
                    (
                        a.get::<i64, _>(i).to_string(),
                        b.get::<i64, _>(i).to_string(),
                    )
                };
                assert_eq!(x, y, "{table} column {i}");
            }
        }
    }
    let served_by_portal_and_police: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_records WHERE agency = 'alpha' AND outcome = 'served' AND consumer <> 'officer-alpha'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(alpha["counts"]["served"], served_by_portal_and_police);

    // The rollups equal a full recompute from the raw records, and a rebuild ranks the same.
    let (code, out, err) = run_cli(&["ranking", "--verify", "--format", "json"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("ok: rollups equal a full recompute"), "{err}");
    let incremental: Value = serde_json::from_str(&out).unwrap();
    let (code, out, err) = run_cli(&["ranking", "--rebuild", "--format", "json"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    let rebuilt: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stable(incremental.clone()), stable(rebuilt));
    assert_eq!(
        stable(incremental)["agencies"],
        stable(after)["agencies"],
        "the CLI and the public page publish the same numbers"
    );
}

#[tokio::test]
async fn ranking_cli_formats_groups_and_overdue_mandates() {
    let (_up, cat, gw) = setup().await;
    traffic(&gw).await;
    gw.stop().await;

    let (code, out, err) = run_cli(
        &["ranking", "--format", "json", "--window", "30d"],
        cat.path(),
    );
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["methodology"], "1.1");
    assert_eq!(r["window"]["days"], 30);
    let alpha = agency(&r, "alpha");
    assert_eq!(alpha["status"], "ranked");
    assert_eq!(alpha["group"], "central");
    assert_eq!(alpha["consumer_days"], 2, "portal and police, one day each");
    assert!(alpha["rank"]["rank"].as_u64().is_some());
    let beta = agency(&r, "beta");
    assert_eq!(beta["status"], "insufficient_data", "only one consumer-day");
    assert!(beta["rank"].is_null() && beta["tier"].is_null());
    let gamma = agency(&r, "gamma");
    assert_eq!(gamma["group"], "provinces");
    assert_eq!(gamma["group_rank"]["rank"], 1);
    assert_eq!(
        gamma["group_rank"]["of"], 2,
        "gamma and the never-connected omega"
    );
    // Omega is in the register, never connected and never called: ranked, at the bottom.
    let omega = agency(&r, "omega");
    assert_eq!(omega["status"], "not_connected");
    assert_eq!(omega["tier"], "D");
    assert_eq!(omega["agency"], Value::Null);
    assert_eq!(omega["name_vi"], "Tỉnh Ômêga");
    assert_eq!(omega["code"], "99");
    assert_eq!(indicator(omega, "coverage")["value"], 0.0);
    let of = omega["rank"]["of"].as_u64().unwrap();
    assert_eq!(omega["rank"]["rank"].as_u64(), Some(of), "last of {of}");
    assert_eq!(omega["group_rank"]["rank"], 2);
    assert_eq!(omega["mandated"][0]["state"], "overdue");
    assert_eq!(omega["mandated"][0]["connected"], false);
    assert_eq!(omega["mandated"][0]["instrument"], INSTRUMENT);
    // Gamma has an overdue unmet mandate: below every unit meeting its mandates.
    assert!(
        gamma["rank"]["rank"].as_u64() > alpha["rank"]["rank"].as_u64(),
        "{gamma} vs {alpha}"
    );
    assert_eq!(
        r["agencies"].as_array().unwrap().last().unwrap()["id"],
        "beta",
        "insufficient data is listed after every ranked unit"
    );
    let states: Vec<(String, String)> = gamma["mandated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["dataset"].as_str().unwrap().into(),
                m["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        states.contains(&("registry".into(), "late".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("ledger".into(), "overdue".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("future".into(), "pending".into())),
        "{states:?}"
    );
    assert_eq!(
        indicator(gamma, "coverage")["value"],
        0.25,
        "late 0.5 + overdue 0 of 2 due"
    );
    assert_eq!(
        indicator(gamma, "freshness")["value"],
        0.3333,
        "registry fresh, ledger and future never served"
    );
    // Alpha: served / (served + refused), exemptions excluded.
    let sharing = indicator(alpha, "sharing_rate");
    let (served, refused) = (
        alpha["counts"]["served"].as_f64().unwrap(),
        alpha["counts"]["refused"].as_f64().unwrap(),
    );
    assert_eq!(sharing["denominator"].as_f64().unwrap(), served + refused);
    assert_eq!(alpha["counts"]["exempt"], 1);
    assert_eq!(
        alpha["counts"]["refused_unjustified"], 1,
        "the source's bare 451"
    );
    assert!(alpha["latency"]["p95_ms"].as_f64().is_some());

    let (code, table, _) = run_cli(&["ranking"], cat.path());
    assert_eq!(code, 0);
    assert!(
        table.contains("RANK") && table.contains("alpha") && table.contains("insufficient data"),
        "{table}"
    );
    assert!(
        table.contains("Overdue mandated datasets") && table.contains("gamma/ledger"),
        "{table}"
    );
    assert!(table.contains(OFFICIAL), "{table}");

    let (code, csv, _) = run_cli(&["ranking", "--format", "csv"], cat.path());
    assert_eq!(code, 0);
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert!(lines[0].starts_with("rank,rank_best,rank_worst,group,group_rank,agency,"));
    assert_eq!(
        lines.len(),
        1 + 4,
        "header and one row per unit of the register"
    );
    assert!(lines
        .iter()
        .any(|l| l.contains(",gamma,") && l.contains("ledger")));

    assert_eq!(run_cli(&["ranking", "--format", "xml"], cat.path()).0, 1);
    let err = cli_fails(&["ranking", "--window", "12h"], cat.path());
    assert!(err.contains("whole days"), "{err}");
}

#[tokio::test]
async fn public_pages_publish_aggregates_only() {
    let (_up, _cat, gw) = setup().await;
    let sent = traffic(&gw).await;
    let (s, ct, json) = public(&gw, "/public/ranking.json").await;
    assert_eq!((s, ct.as_str()), (200, "application/json"));
    let (s, ct, csv) = public(&gw, "/public/ranking.csv").await;
    assert_eq!((s, ct.as_str()), (200, "text/csv; charset=utf-8"));
    let (s, ct, html) = public(&gw, "/public/ranking?lang=en").await;
    assert_eq!((s, ct.as_str()), (200, "text/html; charset=utf-8"));
    for body in [&json, &csv, &html] {
        for secret in [
            "portal",
            "police",
            "officer-alpha",
            "social-benefit",
            "An Nguyen",
        ] {
            assert!(!body.contains(secret), "public output names {secret:?}");
        }
        for id in &sent.all {
            assert!(
                !body.contains(id.as_str()),
                "public output names request {id}"
            );
        }
    }
    assert!(html.contains("<html lang=\"en\">") && html.contains("<caption>"));
    assert!(
        !html.contains("<script") && !html.contains("src="),
        "self-contained, no scripts"
    );

    let (s, ct, doc) = public(&gw, "/public/methodology?lang=en").await;
    assert_eq!((s, ct.as_str()), (200, "text/html; charset=utf-8"));
    assert!(
        doc.contains("Methodology v1.1") && doc.contains("<table>"),
        "{doc}"
    );

    let (s, ct, body) = public(&gw, "/public/ranking.json?window=30d").await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["window"]["days"],
        30,
        "{ct}"
    );
    for bad in [
        "/public/ranking.json?window=2h",
        "/public/ranking?window=999d",
        "/public/ranking.csv?sort=1",
    ] {
        let (s, ct, body) = public(&gw, bad).await;
        assert_eq!(
            (s, ct.as_str()),
            (400, "application/problem+json"),
            "{bad}: {body}"
        );
    }
    assert_eq!(public(&gw, "/public/nothing").await.0, 404);
    let r = client()
        .post(gw.url("/public/ranking.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn ranking_page_in_chromium() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let (_up, cat, gw) = setup().await;
    traffic(&gw).await;
    ranking_json(&gw).await;
    // Three earlier daily snapshots, so the page has a trend to draw.
    let mut db = cat.audit_sqlite().await;
    let today = dxgate::calendar::day_of(dxgate::audit::now_ms());
    for (i, score) in [(3, 610), (2, 655), (1, 702)] {
        sqlx::query("INSERT INTO ranking_snapshot_scores (day, window_days, agency, status, score_tenths, rank) VALUES ($1, 90, 'alpha', 'ranked', $2, 1)")
            .bind(today - i)
            .bind(score)
            .execute(&mut db)
            .await
            .unwrap();
    }
    let url = gw.url("/public/ranking?lang=en");
    let shot = browser::screenshot(&chromium, &url, "public-ranking").await;
    eprintln!("screenshot: {}", shot.display());
    let dom = browser::dom(&chromium, &url).await;
    assert!(
        dom.contains("How ready are public agencies to share data?"),
        "{dom}"
    );
    for text in [
        "Overall ranking",
        "Ministries and sectors",
        "Provinces",
        "Ministry of Alpha",
        "Gamma Province",
        "Overdue mandated datasets",
        OFFICIAL,
        "Insufficient data",
        "Beta Province",
        "Indicators of Ministry of Alpha",
        "Refusals justified",
        "score over the last",
    ] {
        assert!(dom.contains(text), "the page shows {text:?}");
    }
    assert!(dom.matches("<svg").count() >= 3, "charts are drawn");
}
