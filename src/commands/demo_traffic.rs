//! `dxgate demo-traffic`: realistic traffic from many demo consumers through a running gateway,
//! so that a fresh demo's ranking, oversight page, portal and agency dashboard have figures
//! within a minute. Every request goes through the gateway's front door like any consumer's,
//! so each audit record it causes is a real one; nothing is written into the store. The plan
//! (consumers' keys, datasets, values, purposes) is `demo_traffic/plan.toml`, or `--plan FILE`.
//! Demo scaffolding, like `demo-agencies`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use serde::Deserialize;
use serde_json::Value;
use tokio::task::JoinSet;

use super::CommandError;
use crate::source::{UpstreamClient, UpstreamClients, UpstreamTls};

const PLAN: &str = include_str!("demo_traffic/plan.toml");

/// Options of `dxgate demo-traffic` (their docs are its `--help`).
#[derive(Debug, Clone, clap::Args)]
pub struct DemoTrafficArgs {
    /// The running gateway's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub gateway: String,
    /// How long to send traffic, e.g. 60s or 5m.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub duration: Duration,
    /// Requests per second, all consumers together.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rate: u32,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// A traffic plan of your own (TOML, as the bundled one), instead of the bundled demo's.
    #[arg(long)]
    pub plan: Option<PathBuf>,
}

/// What to send: who asks, what, with which values and purposes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plan {
    /// The oversight key that reviews refusals (none: no reviews).
    oversight_key: Option<String>,
    /// One refusal in this many is reviewed.
    #[serde(default = "default_review_every")]
    review_every: u64,
    consumers: Vec<String>,
    datasets: Vec<DatasetPlan>,
}

fn default_review_every() -> u64 {
    8
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetPlan {
    path: String,
    param: String,
    values: Vec<String>,
    purposes: Vec<String>,
}

impl Plan {
    fn parse(text: &str, what: &str) -> Result<Plan, CommandError> {
        let plan: Plan = toml::from_str(text)
            .map_err(|e| CommandError::Failed(format!("{what}: {}", e.message())))?;
        let empty = plan.consumers.is_empty()
            || plan.datasets.is_empty()
            || (plan.datasets.iter()).any(|d| d.values.is_empty() || d.purposes.is_empty());
        if empty || plan.review_every == 0 {
            return Err(CommandError::Failed(format!(
                "{what}: needs consumers, datasets with values and purposes, review_every > 0"
            )));
        }
        Ok(plan)
    }

    /// Request `i`: round `i / consumers`, consumer `i % consumers`, who asks dataset
    /// `(round + consumer) % datasets`, so every consumer has asked every dataset after as
    /// many rounds as there are datasets. A few in a hundred go wrong as real traffic does.
    fn request(&self, i: u64) -> Planned {
        let n = self.consumers.len() as u64;
        let (round, c) = (i / n, i % n);
        let d = &self.datasets[((round + c) % self.datasets.len() as u64) as usize];
        let pick =
            |list: &[String], salt: u64| list[(mix(i ^ salt) % list.len() as u64) as usize].clone();
        let mut value = pick(&d.values, 1);
        let mut purpose = pick(&d.purposes, 2);
        let mut key = self.consumers[c as usize].clone();
        match mix(i ^ 3) % 100 {
            0..=3 => value = format!("{value}!"), // breaks the request schema: 400
            4..=5 => purpose = "marketing".to_owned(), // a purpose nobody declared
            6 => key = "demo-revoked-key".to_owned(), // not a key the gateway knows: 401
            _ => {}
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair(&d.param, &value)
            .finish();
        Planned {
            path: format!("{}?{query}", d.path),
            purpose,
            key,
        }
    }
}

struct Planned {
    path: String,
    purpose: String,
    key: String,
}

/// SplitMix64: a fixed, well-spread choice per request number (the same run each time).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What the gateway answered: the status and, for a "no", its problem type's last segment.
type Answer = (u16, String);

struct Shared {
    client: UpstreamClient,
    gateway: String,
    plan: Plan,
    refusals: AtomicU64,
    reviews: AtomicU64,
}

pub async fn demo_traffic(args: &DemoTrafficArgs) -> Result<(), CommandError> {
    let plan = match &args.plan {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CommandError::Failed(format!("{}: {e}", p.display())))?;
            Plan::parse(&text, &p.display().to_string())?
        }
        None => Plan::parse(PLAN, "the bundled plan")?,
    };
    let client = UpstreamClients::default()
        .get(&UpstreamTls::default())
        .map_err(|e| CommandError::Failed(e.to_string()))?;
    let shared = Arc::new(Shared {
        client,
        gateway: args.gateway.trim_end_matches('/').to_owned(),
        plan,
        refusals: AtomicU64::new(0),
        reviews: AtomicU64::new(0),
    });
    // Fail fast on a gateway that is not there, before counting anything.
    shared
        .exchange(Method::GET, "/healthz", None, None)
        .await
        .map_err(|e| CommandError::Failed(format!("{}: {e}", shared.gateway)))?;

    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / args.rate);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tasks = JoinSet::new();
    let mut answers: BTreeMap<Answer, u64> = BTreeMap::new();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut tally = |r: Result<Result<Answer, String>, tokio::task::JoinError>| match r {
        Ok(Ok(a)) => *answers.entry(a).or_default() += 1,
        Ok(Err(e)) => *failures.entry(e).or_default() += 1,
        Err(e) => *failures.entry(e.to_string()).or_default() += 1,
    };
    let mut i = 0u64;
    while start.elapsed() < args.duration {
        tick.tick().await;
        while tasks.len() >= args.concurrency as usize {
            if let Some(r) = tasks.join_next().await {
                tally(r);
            }
        }
        let s = shared.clone();
        tasks.spawn(async move { s.send(i).await });
        i += 1;
    }
    while let Some(r) = tasks.join_next().await {
        tally(r);
    }
    let sent: u64 = answers.values().sum();
    println!(
        "demo-traffic: {sent} requests answered in {:.1} s by {}, from {} consumers",
        start.elapsed().as_secs_f64(),
        shared.gateway,
        shared.plan.consumers.len()
    );
    for ((status, kind), n) in &answers {
        println!("  {n:>6}  {status} {kind}");
    }
    println!(
        "  {:>6}  refusals reviewed by oversight",
        shared.reviews.load(Ordering::Relaxed)
    );
    for (e, n) in &failures {
        println!("  {n:>6}  not answered: {e}");
    }
    match sent {
        0 => Err(CommandError::Failed("no request was answered".into())),
        _ => Ok(()),
    }
}

impl Shared {
    /// Send request `i` of the plan; review the refusal it met if it is one oversight reviews.
    async fn send(&self, i: u64) -> Result<Answer, String> {
        let p = self.plan.request(i);
        let (status, request_id, body) = self
            .exchange(Method::GET, &p.path, Some(&p.key), Some(&p.purpose))
            .await?;
        let kind = match status {
            StatusCode::OK => "served".to_owned(),
            _ => serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| Some(v["type"].as_str()?.rsplit('/').next()?.to_owned()))
                .unwrap_or_default(),
        };
        if kind == "refused" {
            let n = self.refusals.fetch_add(1, Ordering::Relaxed);
            if let (Some(id), Some(key)) = (request_id, &self.plan.oversight_key) {
                if n % self.plan.review_every == 0 {
                    self.review(&id, key, n).await;
                }
            }
        }
        Ok((status.as_u16(), kind))
    }

    /// Oversight reviews refusal `id`: most are upheld, one in three overturned.
    async fn review(&self, id: &str, key: &str, n: u64) {
        let (verdict, note) = match n % 3 {
            2 => (
                "overturned",
                "The stated legal basis does not cover this consumer's purpose.",
            ),
            _ => ("upheld", "The legal basis cited covers this refusal."),
        };
        let body = serde_json::json!({"verdict": verdict, "note": note}).to_string();
        let path = format!("/v1/oversight/refusals/{id}/review");
        if let Ok((StatusCode::OK | StatusCode::CREATED, _, _)) = self
            .exchange_body(Method::POST, &path, Some(key), None, Some(body))
            .await
        {
            self.reviews.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        purpose: Option<&str>,
    ) -> Result<(StatusCode, Option<String>, Bytes), String> {
        self.exchange_body(method, path, key, purpose, None).await
    }

    /// One exchange, bounded to 30 s and 1 MiB: status, `Request-Id` and body.
    async fn exchange_body(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        purpose: Option<&str>,
        body: Option<String>,
    ) -> Result<(StatusCode, Option<String>, Bytes), String> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.gateway));
        if let Some(k) = key {
            req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        if let Some(p) = purpose {
            req = req.header("data-purpose", p);
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let resp = self.client.request(req).await.map_err(|e| e.to_string())?;
            let status = resp.status();
            let id = (resp.headers().get("request-id"))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(resp.into_body(), 1 << 20)
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok((status, id, body))
        };
        tokio::time::timeout(Duration::from_secs(30), exchange)
            .await
            .map_err(|_| format!("{path}: no answer within 30 s"))?
    }
}

#[cfg(test)]
mod tests {
    use super::{Plan, PLAN};

    #[test]
    fn every_consumer_asks_every_dataset_within_as_many_rounds_as_datasets() {
        let plan = Plan::parse(PLAN, "bundled").unwrap();
        let (c, d) = (plan.consumers.len(), plan.datasets.len());
        assert!(c >= 20, "the ranking needs 20 consumer-days: {c} consumers");
        let mut asked = std::collections::HashSet::new();
        for i in 0..(c * d) as u64 {
            let p = plan.request(i);
            let dataset = p.path.split('?').next().unwrap().to_owned();
            asked.insert((i % c as u64, dataset));
        }
        assert_eq!(asked.len(), c * d);
        // The same request number is the same request, run after run.
        assert_eq!(plan.request(77).path, plan.request(77).path);
    }

    #[test]
    fn a_plan_without_consumers_or_values_is_refused() {
        let bad = "consumers = []\n[[datasets]]\npath = \"/v1/data/a/b\"\nparam = \"x\"\nvalues = [\"1\"]\npurposes = [\"p\"]\n";
        assert!(Plan::parse(bad, "plan").is_err());
        let no_values = PLAN.replace("values = [\"DU0001\", \"DU0002\"]", "values = []");
        assert!(Plan::parse(&no_values, "plan").is_err());
    }
}
