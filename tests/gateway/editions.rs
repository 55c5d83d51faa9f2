//! Dated official editions (issue 11 item 6): `dxgate ranking freeze-edition` freezes a
//! finished day (and the gateway freezes yesterday's by itself), the editions are listed and
//! served as signed JSON, CSV and a page in both languages with each unit's trend across
//! editions; `dxgate ranking verify-edition` accepts the file and refuses it when one byte
//! changes or the key is not the signing one; bad dates are 400 and unknown ones 404; the
//! store refuses to change an edition.

use jiff::civil::Date;
use serde_json::Value;

use dxgate::audit::{Entry, Outcome, SchemaResult};
use dxgate::calendar::Zone;

use crate::common::browser;
use crate::common::ranking::setup;
use crate::common::ranking::*;
use crate::common::*;

/// The tests' `[ranking] timezone` (the default).
fn zone() -> Zone {
    Zone::named("Asia/Ho_Chi_Minh").unwrap()
}

fn today() -> Date {
    zone().date_of(dxgate::audit::now_ms())
}

fn days_ago(n: i64) -> Date {
    today().checked_sub(jiff::Span::new().days(n)).unwrap()
}

/// Record one answer to `consumer` at noon (local) on `day`, through the gateway's own writer.
async fn record_on(
    gw: &Gateway,
    day: Date,
    n: u32,
    consumer: &str,
    dataset: (&str, &str),
    ok: bool,
) {
    let ts = zone().start_ms(day) + 12 * 3_600_000 + i64::from(n);
    let id = uuid::Uuid::now_v7().to_string();
    let (outcome, status, schema) = if ok {
        (Outcome::Served, 200, SchemaResult::Valid)
    } else {
        (Outcome::SourceError, 502, SchemaResult::NotChecked)
    };
    let e = Entry::new(id, ts, "GET")
        .consumer(consumer)
        .dataset(dataset.0, dataset.1)
        .purpose("edition-test")
        .outcome(outcome, status)
        .schemas(SchemaResult::Valid, schema)
        .latency(2_000, Some(1_500));
    gw.inproc().audit.record(e).await.expect("recorded");
}

const GAMMA: (&str, &str) = ("gamma", "registry");
const ALPHA: (&str, &str) = ("alpha", "people");

/// Traffic three and two days ago (gamma: 2, then 3 answers, one failing), live traffic today,
/// then both days frozen. Returns the two dates.
async fn two_editions(gw: &Gateway) -> (Date, Date) {
    let (d1, d2) = (days_ago(3), days_ago(2));
    for (i, c) in ["portal", "police"].iter().enumerate() {
        record_on(gw, d1, i as u32, c, GAMMA, true).await;
        record_on(gw, d1, 10 + i as u32, c, ALPHA, true).await;
        record_on(gw, d2, i as u32, c, GAMMA, true).await;
        record_on(gw, d2, 10 + i as u32, c, ALPHA, true).await;
    }
    record_on(gw, d2, 20, "portal", GAMMA, false).await;
    traffic(gw).await;
    // Frozen by the gateway's own ranking service (the CLI path is the same function; it is
    // run in the first test), so the test does not contend with the writer for SQLite's lock.
    for d in [d1, d2] {
        let frozen = gw
            .inproc()
            .ranking
            .freeze_edition(d, dxgate::audit::now_ms())
            .await;
        assert!(frozen.expect("frozen"), "{d} had no edition yet");
    }
    (d1, d2)
}

async fn edition_json(gw: &Gateway, d: Date) -> (String, Value) {
    let r = gw.anon(&format!("/public/ranking/editions/{d}.json")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/json");
    assert_eq!(
        header(&r, "cache-control"),
        "public, max-age=86400, immutable"
    );
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    (text, v)
}

#[tokio::test]
async fn editions_are_frozen_listed_served_and_verified() {
    let (_up, cat, gw) = setup().await;
    // The gateway freezes yesterday's edition by itself once the day is over.
    let yesterday = days_ago(1).to_string();
    let frozen = eventually(30, async || {
        let list = gw.anon_json("/public/ranking/editions").await;
        (list["editions"].as_array().unwrap().iter()).any(|e| e["date"] == yesterday)
    })
    .await;
    assert!(
        frozen,
        "yesterday's edition is frozen by the background task"
    );
    let (d1, d2) = two_editions(&gw).await;

    // The CLI freezes a finished day (here one without traffic)...
    let d0 = days_ago(4);
    let (code, out, err) = run_cli(
        &["ranking", "freeze-edition", "--date", &d0.to_string()],
        cat.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        format!("edition {d0} frozen and signed: /public/ranking/editions/{d0}")
    );
    // ...once: again is a no-op; and a day not over is refused.
    let (code, out, _) = run_cli(
        &["ranking", "freeze-edition", "--date", &d1.to_string()],
        cat.path(),
    );
    assert_eq!(
        (code, out.trim()),
        (
            0,
            format!("edition {d1} was already frozen (editions never change)").as_str()
        )
    );
    let t = today().to_string();
    let (code, _, err) = run_cli(&["ranking", "freeze-edition", "--date", &t], cat.path());
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("the day {t} is not over yet in Asia/Ho_Chi_Minh")),
        "{err}"
    );

    // The list: newest first, with facts and links.
    let list = gw.anon_json("/public/ranking/editions").await;
    let dates: Vec<&str> = (list["editions"].as_array().unwrap().iter())
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            yesterday.as_str(),
            &d2.to_string(),
            &d1.to_string(),
            &d0.to_string()
        ]
    );
    let first = &list["editions"][2];
    assert_eq!(first["timezone"], "Asia/Ho_Chi_Minh");
    assert_eq!(
        first["methodology"],
        dxgate::ranking::indicators::METHODOLOGY_VERSION
    );
    assert_eq!(first["window_days"], 90);
    assert_eq!(
        first["links"]["json"],
        format!("/public/ranking/editions/{d1}.json")
    );
    assert_eq!(
        first["links"]["csv"],
        format!("/public/ranking/editions/{d1}.csv")
    );
    assert_eq!(
        first["links"]["html"],
        format!("/public/ranking/editions/{d1}")
    );
    let key = list["verifier_key"].as_str().unwrap().to_owned();

    // Each edition is the ranking as of the end of its day: nothing later counts.
    let (text1, e1) = edition_json(&gw, d1).await;
    let (_, e2) = edition_json(&gw, d2).await;
    assert_eq!(first["sha256"], e1["sha256"]);
    assert_eq!(e1["edition"], d1.to_string());
    assert_eq!(agency(&e1["ranking"], "gamma")["counts"]["requests"], 2);
    assert_eq!(agency(&e2["ranking"], "gamma")["counts"]["requests"], 5);
    assert_eq!(agency(&e2["ranking"], "gamma")["counts"]["source_error"], 1);
    assert_eq!(agency(&e1["ranking"], "omega")["status"], "not_connected");
    let live = ranking_json(&gw).await;
    assert!(
        agency(&live, "gamma")["counts"]["requests"]
            .as_i64()
            .unwrap()
            > 5
    );

    // The CSV was frozen with it.
    let r = gw.anon(&format!("/public/ranking/editions/{d1}.csv")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let live_csv = gw.anon_text("/public/ranking.csv").await;
    assert_eq!(
        csv.lines().next(),
        live_csv.lines().next(),
        "same columns as the live CSV"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("gamma,") || l.contains(",gamma,")),
        "{csv}"
    );

    // Offline: the file verifies with the published key...
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edition.json");
    std::fs::write(&file, &text1).unwrap();
    let f = file.to_str().unwrap();
    let (code, out, err) = run_cli(&["ranking", "verify-edition", f, "--key", &key], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    let sha = e1["sha256"].as_str().unwrap();
    assert!(
        out.starts_with(&format!(
            "ok: edition {d1} (Asia/Ho_Chi_Minh, methodology {}), sha256 {sha}, signed by ",
            e1["methodology"].as_str().unwrap()
        )),
        "{out}"
    );

    // ...fails when one byte of the ranking changes...
    let at = text1.find("\"requests\": 2").expect("gamma's count") + "\"requests\": ".len();
    let mut changed = text1.clone().into_bytes();
    changed[at] = b'3';
    std::fs::write(&file, &changed).unwrap();
    let (code, _, err) = run_cli(&["ranking", "verify-edition", f, "--key", &key], cat.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("does NOT verify: the ranking's SHA-256 is"),
        "{err}"
    );
    assert!(err.contains("the ranking was changed"), "{err}");
    // ...or one byte of the signature...
    let mut changed = text1.clone().into_bytes();
    let sig = text1.find("\\n\\n\u{2014} ").unwrap() + 30;
    changed[sig] = if changed[sig] == b'A' { b'B' } else { b'A' };
    std::fs::write(&file, &changed).unwrap();
    let (code, _, err) = run_cli(&["ranking", "verify-edition", f, "--key", &key], cat.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does NOT verify"), "{err}");

    // ...and with a key that did not sign it, even under the same name.
    std::fs::write(&file, &text1).unwrap();
    let origin = key.split('+').next().unwrap();
    let other = dxgate::audit::note::NoteSigner::generate(origin)
        .unwrap()
        .verifier_key();
    let (code, _, err) = run_cli(
        &["ranking", "verify-edition", f, "--key", &other],
        cat.path(),
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("does NOT verify: the signature does not verify with any trusted key"),
        "{err}"
    );

    // Bad and unknown dates are problems.
    for (path, status, kind) in [
        (
            "/public/ranking/editions/2026-13-45",
            400,
            "invalid-request",
        ),
        (
            "/public/ranking/editions/yesterday.json",
            400,
            "invalid-request",
        ),
        (
            "/public/ranking/editions/2026-1-2.csv",
            400,
            "invalid-request",
        ),
        ("/public/ranking/editions/2001-01-01", 404, "not-found"),
        ("/public/ranking/editions/2001-01-01.json", 404, "not-found"),
    ] {
        let (got, _, ct, body) = parts(gw.anon(path).await).await;
        let want = format!("https://dxgate.dev/problems/{kind}");
        assert_eq!(
            (got, ct.as_str()),
            (status, "application/problem+json"),
            "{path}"
        );
        assert_eq!(body["type"], want.as_str(), "{path}: {body}");
        assert_eq!(body["status"], status, "{path}");
    }

    // The store refuses to change or remove an edition.
    let mut db = cat.audit_sqlite().await;
    for sql in [
        "UPDATE ranking_editions SET body = '{}'",
        "DELETE FROM ranking_editions",
        "UPDATE ranking_edition_scores SET score_tenths = 1000",
    ] {
        let err = sqlx::query(sql).execute(&mut db).await.unwrap_err();
        assert!(
            err.to_string().contains("ranking editions are immutable"),
            "{sql}: {err}"
        );
    }
    gw.stop().await;

    // After a key rotation the old key is trusted: its editions still verify.
    let (code, out, err) = run_cli(&["audit", "rotate-key"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run_cli(&["ranking", "verify-edition", f], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with(&format!("ok: edition {d1}")), "{out}");
}

#[tokio::test]
async fn chromium_shows_each_units_trend_across_editions_in_both_languages() {
    let (_up, _cat, gw) = setup().await;
    let (d1, d2) = two_editions(&gw).await;
    // Gamma has a score in both editions: two points on its chart in the second one.
    let (_, e1) = edition_json(&gw, d1).await;
    let (_, e2) = edition_json(&gw, d2).await;
    for e in [&e1, &e2] {
        assert_eq!(agency(&e["ranking"], "gamma")["status"], "ranked", "{e}");
    }
    let Some(bin) = browser::chromium() else {
        return;
    };
    for (lang, words) in [
        (
            "vi",
            [
                format!("<h1>Bản công bố chính thức của bảng xếp hạng ngày {d2}</h1>"),
                "Các đơn vị và xu hướng qua các bản công bố".to_owned(),
                "Tỉnh Gamma: điểm qua 2 bản công bố".to_owned(),
                "Tỉnh Ômêga".to_owned(),
                "chưa kết nối".to_owned(),
                ">English</a>".to_owned(),
            ],
        ),
        (
            "en",
            [
                format!("<h1>Official edition of the ranking, {d2}</h1>"),
                "Units and their trend across editions".to_owned(),
                "Gamma Province: score across 2 editions".to_owned(),
                "Omega Province".to_owned(),
                "not connected".to_owned(),
                ">Tiếng Việt</a>".to_owned(),
            ],
        ),
    ] {
        let url = gw.url(&format!("/public/ranking/editions/{d2}?lang={lang}"));
        let dom = browser::dom(&bin, &url).await;
        assert!(dom.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        for w in &words {
            assert!(dom.contains(w.as_str()), "{lang}: the page shows {w:?}");
        }
        let chart = &dom[dom
            .find("<svg class=\"trend\" id=\"trend-gamma\"")
            .expect("gamma's chart")..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        assert_eq!(
            chart.matches("<circle ").count(),
            2,
            "{lang}: one dot per edition: {chart}"
        );
        assert!(
            chart.contains(&format!(">{d1}</text>")) && chart.contains(&format!(">{d2}</text>")),
            "{chart}"
        );
        assert!(dom.contains(&e2["sha256"].as_str().unwrap().to_string()));
        browser::screenshot(&bin, &url, &format!("ranking-edition-{lang}")).await;
    }
}
