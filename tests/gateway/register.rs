//! The mandate register and the daily monitoring report (issue 11): mandates live in the
//! register, never in agency files; a never-connected unit is ranked at the bottom and named
//! in the daily report with the six clear fields.

use serde_json::Value;

use crate::common::ranking::*;
use crate::common::*;

#[tokio::test]
async fn an_agency_file_cannot_add_or_move_a_mandate() {
    let up = Upstream::start().await;
    let cat = catalogue(&up);
    let (code, out, err) = run_cli(&["check"], cat.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("4 units and 4 mandates in the register"),
        "{out}"
    );
    // Gamma "moves" its overdue ledger mandate onto a dataset of its own choosing.
    let gamma = std::fs::read_to_string(cat.path().join("policies/agencies/gamma.toml")).unwrap();
    let moved = gamma.replacen(
        "refresh_period = \"1d\"\n",
        "refresh_period = \"1d\"\n[datasets.mandate]\ndeadline = \"2999-01-01\"\nofficial = \"Nobody\"\n",
        1,
    );
    let line = moved
        .lines()
        .position(|l| l == "[datasets.mandate]")
        .unwrap()
        + 1;
    cat.write("policies/agencies/gamma.toml", &moved);
    let (code, _, err) = run_cli(&["check"], cat.path());
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("gamma.toml:{line}"))
            && err.contains("mandates live in the mandate register (policies/mandates.toml)"),
        "{err}"
    );
    // An agency file that is no unit of the register is refused too.
    cat.write("policies/agencies/gamma.toml", &gamma);
    let register = register().replace("id = \"gamma\"", "id = \"gamma-x\"");
    cat.write("policies/mandates.toml", &register);
    let (code, _, err) = run_cli(&["check"], cat.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("gamma.toml:1")
            && err.contains("agency \"gamma\" connects no unit of the mandate register"),
        "{err}"
    );
}

#[tokio::test]
async fn the_daily_report_names_the_never_connected_unit() {
    let (_up, cat, gw) = crate::common::ranking::setup().await;
    traffic(&gw).await;
    let (s, ct, body) = public(&gw, "/public/monitoring/daily.json").await;
    assert_eq!((s, ct.as_str()), (200, "application/json"), "{body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["timezone"], "Asia/Ho_Chi_Minh");
    let units = r["units"].as_array().unwrap();
    assert_eq!(units.len(), 4, "every unit of the register");
    let omega = units.iter().find(|u| u["id"] == "omega").unwrap();
    assert_eq!(omega["status"], "not_connected");
    assert_eq!(omega["name_vi"], "Tỉnh Ômêga");
    let m = &omega["mandates_overdue"][0];
    assert_eq!(m["product"], "omega/land-parcels");
    assert_eq!(m["task"], "Serve omega/land-parcels");
    assert_eq!(m["official"], OMEGA_OFFICIAL);
    assert_eq!(m["deadline"], OMEGA_DEADLINE);
    assert_eq!(m["assigned_by"], AUTHORITY);
    assert_eq!(m["instrument"], INSTRUMENT);
    assert_eq!(m["connected"], false);
    let alpha = units.iter().find(|u| u["id"] == "alpha").unwrap();
    // All of today's traffic: the day's refusals are the window's.
    let (_, _, ranking) = public(&gw, "/public/ranking.json").await;
    let ranking: Value = serde_json::from_str(&ranking).unwrap();
    let counts = &agency(&ranking, "alpha")["counts"];
    assert_eq!(alpha["refusals"], counts["refused"], "{alpha}");
    assert_eq!(alpha["refusals_unjustified"], counts["refused_unjustified"]);
    let gamma = units.iter().find(|u| u["id"] == "gamma").unwrap();
    assert_eq!(
        gamma["newly_connected"],
        serde_json::json!(["gamma/registry"])
    );

    let (s, ct, csv) = public(&gw, "/public/monitoring/daily.csv").await;
    assert_eq!((s, ct.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(
        csv.starts_with("date,unit,code,name_vi,name_en,status,rank,"),
        "{csv}"
    );
    assert!(
        csv.lines().any(
            |l| l.contains(",omega,99,Tỉnh Ômêga,Omega Province,not_connected,")
                && l.contains(",overdue,omega/land-parcels,")
        ),
        "{csv}"
    );
    let (s, ct, body) = public(&gw, "/public/monitoring/daily.json?date=2024-02-30").await;
    assert_eq!(
        (s, ct.as_str()),
        (400, "application/problem+json"),
        "{body}"
    );
    gw.stop().await;

    // The report of a past day: omega's mandate (deadline 2020-03-31) is overdue from 1 April.
    let (code, out, err) = run_cli(
        &["report", "daily", "--date", "2020-03-31", "--format", "csv"],
        cat.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.contains(",omega,") && !l.contains("overdue")),
        "{out}"
    );
    let (code, out, err) = run_cli(&["report", "daily", "--date", "2020-04-01"], cat.path());
    assert_eq!(code, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["date"], "2020-04-01");
    let omega = item(&r["units"], "id", "omega");
    assert_eq!(
        omega["mandates_overdue"][0]["product"],
        "omega/land-parcels"
    );
}
