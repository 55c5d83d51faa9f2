//! Ranking benchmark: a mandate register of 700 units (100 ministries/sectors and 600
//! provincial units, one in ten never connected), 4 datasets per connected unit and one mandate
//! each; synthesise the rollups of 10 million audit records over 90 days (40 consumers per
//! unit), then time the ranking of every unit (window sums read from the store + engine).
//! Run with `cargo bench --bench ranking`; `DXGATE_BENCH_RECORDS` changes the record count and
//! `DXGATE_BENCH_ROLLUP` the number of raw records used to time the incremental rollup itself.

use std::path::Path;
use std::time::Instant;

use dxgate::audit::{now_ms, Entry, Outcome, SchemaResult, Store};
use dxgate::calendar::DAY_MS;
use dxgate::ranking::rollup::{ConsumerAgencies, Delta, Facts};
use dxgate::ranking::{engine, inputs, rollup_store};

/// Units in the register.
const UNITS: usize = 700;
const CENTRAL: usize = 100;
/// Every tenth unit has no agency file: ranked `not_connected`, with no traffic.
const UNCONNECTED_EVERY: usize = 10;
const DATASETS: usize = 4;
const DAYS: i64 = 90;

/// xorshift64*: deterministic and fast.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn agency_id(a: usize) -> String {
    if a < CENTRAL {
        format!("ministry-{a:03}")
    } else {
        format!("province-{:03}", a - CENTRAL)
    }
}

fn connected(a: usize) -> bool {
    a % UNCONNECTED_EVERY != UNCONNECTED_EVERY - 1
}

/// The connected units (the only ones with traffic).
fn connected_ids() -> Vec<String> {
    (0..UNITS)
        .filter(|a| connected(*a))
        .map(agency_id)
        .collect()
}

/// A catalogue on disk: the register of every unit and the connected units' agency files
/// (sources are never contacted).
fn write_catalogue(dir: &Path) {
    let w = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "schemas/req.json",
        r#"{"type":"object","properties":{"code":{"type":"string"}},"required":["code"]}"#,
    );
    w(
        "schemas/resp.json",
        r#"{"type":"object","properties":{"code":{"type":"string"},"name":{"type":"string"}},"required":["code","name"]}"#,
    );
    w("policies/consumers.toml", "");
    w("dxgate.toml", "[ranking]\nmin_consumer_days = 20\n");
    let mut register = String::new();
    let mut mandates = String::new();
    for a in 0..UNITS {
        let id = agency_id(a);
        let (kind, group) = match a {
            a if a < CENTRAL && a % 3 == 0 => ("sector", "central"),
            a if a < CENTRAL => ("ministry", "central"),
            _ => ("province", "provinces"),
        };
        register += &format!(
            "[[units]]\nid = \"{id}\"\ncode = \"U{a:04}\"\nname_vi = \"Đơn vị {a}\"\nname_en = \"Unit {a}\"\nkind = \"{kind}\"\ngroup = \"{group}\"\n\n"
        );
        mandates += &format!(
            "[[mandates]]\nunit = \"{id}\"\nproduct = \"{id}/ds-0\"\ntask = \"Serve dataset 0\"\nofficial = \"Director\"\ndeadline = \"2025-01-01\"\nassigned_by = \"Prime Minister\"\ninstrument = \"Directive (benchmark)\"\n\n"
        );
        if !connected(a) {
            continue;
        }
        let mut t = format!("id = \"{id}\"\nname = \"Agency {id}\"\nkind = \"{kind}\"\n");
        for d in 0..DATASETS {
            t += &format!(
                "[[datasets]]\nid = \"ds-{d}\"\ntitle = \"Dataset {d}\"\nrequest_schema = \"req.json\"\nresponse_schema = \"resp.json\"\nrefresh_period = \"1d\"\n"
            );
            t += "[datasets.source]\nkind = \"http\"\nurl = \"http://127.0.0.1:9/x\"\n";
        }
        w(&format!("policies/agencies/{id}.toml"), &t);
    }
    w("policies/mandates.toml", &(register + &mandates));
}

fn outcome(r: u64) -> (Outcome, SchemaResult) {
    match r % 100 {
        0..=84 => (
            Outcome::Served,
            if r % 97 == 0 {
                SchemaResult::Invalid
            } else {
                SchemaResult::Valid
            },
        ),
        85..=91 => (Outcome::Refused, SchemaResult::NotChecked),
        92..=94 => (Outcome::SourceError, SchemaResult::NotChecked),
        95 => (Outcome::InvalidResponse, SchemaResult::Invalid),
        96 => (Outcome::Exempt, SchemaResult::NotChecked),
        _ => (Outcome::RejectedRequest, SchemaResult::NotChecked),
    }
}

/// Aggregate `n` synthetic records over the 90 days before `now` with the real aggregator and
/// merge them day by day.
async fn synthesise(store: &Store, n: u64, now: i64) {
    let agencies = ConsumerAgencies::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ids = connected_ids();
    let datasets: Vec<String> = (0..DATASETS).map(|d| format!("ds-{d}")).collect();
    let per_day = n / DAYS as u64;
    let start = now - DAYS * DAY_MS;
    let mut done = 0u64;
    for day in 0..DAYS {
        let count = if day == DAYS - 1 { n - done } else { per_day };
        let mut delta = Delta::default();
        for _ in 0..count {
            let r = rng.next();
            let a = (r % ids.len() as u64) as usize;
            let (o, schema) = outcome(r >> 20);
            delta.add(
                &Facts {
                    ts_ms: start + day * DAY_MS + ((r >> 8) % DAY_MS as u64) as i64,
                    consumer: Some(format!(
                        "consumer-{}",
                        (a * 7 + ((r >> 32) % 40) as usize) % 400
                    )),
                    agency: ids[a].clone(),
                    dataset: datasets[((r >> 40) % DATASETS as u64) as usize].clone(),
                    outcome: o,
                    justification: (o == Outcome::Refused)
                        .then_some(dxgate::policy::JustificationStatus::Justified),
                    decided_by_source: r % 2 == 0,
                    response_schema: schema,
                    latency_us: ((r >> 44) % 1_500_000) as i64,
                    probe: false,
                    subject: r % 3 == 0,
                    data_as_of_ms: None,
                    duplicates: (o == Outcome::Served).then_some(0),
                },
                &agencies,
            );
        }
        done += count;
        rollup_store::apply(store, &delta).await.unwrap();
    }
}

/// Raw records appended to the audit log, then rolled up by the real incremental path.
async fn rollup_throughput(store: &Store, n: i64, now: i64) -> f64 {
    let ids = connected_ids();
    let mut head = store.head("bench").await.unwrap();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        let (o, schema) = outcome(i as u64 * 2_654_435_761);
        let e = Entry::new(format!("bench-{i:012}"), now - (n - i), "GET")
            .consumer(format!("consumer-{}", i % 400))
            .dataset(
                ids[(i as usize) % ids.len()].clone(),
                format!("ds-{}", i % DATASETS as i64),
            )
            .purpose("bench")
            .outcome(o, 200)
            .schemas(SchemaResult::Valid, schema)
            .latency(i % 900_000, None);
        batch.push(head.extend("bench", e));
        if batch.len() == 1000 {
            store.append(&batch).await.unwrap();
            batch.clear();
        }
    }
    store.append(&batch).await.unwrap();
    let t = Instant::now();
    let done = rollup_store::catch_up(store, &ConsumerAgencies::default(), None)
        .await
        .unwrap();
    assert_eq!(done.records as i64, n);
    n as f64 / t.elapsed().as_secs_f64()
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let records = env("DXGATE_BENCH_RECORDS", 10_000_000);
    let raw = env("DXGATE_BENCH_ROLLUP", 200_000) as i64;
    let dir = tempfile::tempdir().unwrap();
    write_catalogue(dir.path());
    let loaded =
        dxgate::config::load(dir.path(), &dxgate::config::Overrides::default()).expect("catalogue");
    let store = Store::open(&format!("sqlite://{}/data/audit.db", dir.path().display()))
        .await
        .unwrap();
    let now = now_ms();
    let agencies = ConsumerAgencies::from_catalog(&loaded.catalog);
    // Mark the rollups as built for this catalogue, so the throughput run does not rebuild.
    rollup_store::rebuild(&store, &agencies).await.unwrap();

    let t = Instant::now();
    synthesise(&store, records, now).await;
    let setup = t.elapsed();
    let count = |sql: &'static str| {
        let store = store.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(store.pool())
                .await
                .unwrap()
        }
    };
    let hourly = count("SELECT COUNT(*) FROM ranking_rollup_hourly").await;
    let daily = count("SELECT COUNT(*) FROM ranking_rollup_daily").await;
    let cdays = count("SELECT COUNT(*) FROM ranking_consumer_days").await;
    let total = count("SELECT CAST(SUM(requests) AS BIGINT) FROM ranking_rollup_hourly").await;
    println!("synthesised {records} records ({total} counted) into {hourly} hourly, {daily} daily rollup rows and {cdays} consumer-days in {:.1} s", setup.as_secs_f64());

    let mut times = Vec::new();
    let mut split = (0.0, 0.0);
    for _ in 0..7 {
        let t = Instant::now();
        let input = inputs::load(&store, 90, now_ms(), &loaded.settings.ranking.timezone)
            .await
            .unwrap();
        let loaded_at = t.elapsed().as_secs_f64();
        let r = engine::compute(
            &loaded.catalog,
            &agencies,
            &input,
            loaded.settings.ranking.min_consumer_days,
            now_ms(),
        );
        let all = t.elapsed().as_secs_f64();
        assert_eq!(r.agencies.len(), UNITS);
        let not_connected = (r.agencies.iter())
            .filter(|u| u.status == dxgate::ranking::model::Status::NotConnected)
            .count();
        assert_eq!(not_connected, UNITS / UNCONNECTED_EVERY);
        times.push(all);
        split = (loaded_at, all - loaded_at);
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    println!(
        "ranking over 90 days ({records} records, {UNITS} units): first {:.0} ms, median {:.0} ms, min {:.0} ms, max {:.0} ms (last run: read {:.0} ms + engine {:.1} ms)",
        first * 1e3, times[3] * 1e3, times[0] * 1e3, times[6] * 1e3, split.0 * 1e3, split.1 * 1e3
    );
    if raw > 0 {
        let rate = rollup_throughput(&store, raw, now).await;
        println!("incremental rollup of {raw} raw audit records: {rate:.0} records/s");
    }
    store.close().await;
}
