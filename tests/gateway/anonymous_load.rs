//! Anonymous load cannot fill the log (issue 13 item 3): 100,000 unauthenticated data requests
//! leave an authenticated consumer served without a 503, the records they leave are bounded,
//! and every one of them is still accounted for (full records plus summary counts).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::catalogue::*;
use crate::common::*;

const FLOOD: usize = 100_000;
const CONNECTIONS: usize = 20;

/// Send `n` pipelined unauthenticated data requests down one connection; the statuses of the
/// answers, as (401s, 429s, others).
async fn pipelined(to: SocketAddr, n: usize) -> (usize, usize, usize) {
    let s = TcpStream::connect(to).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let writer = tokio::spawn(async move {
        let one = b"GET /v1/data/alpha/http-ok?code=1234 HTTP/1.1\r\nHost: x\r\nData-Purpose: flood\r\n\r\n";
        let batch = one.repeat(500);
        for _ in 0..n / 500 {
            wr.write_all(&batch).await.unwrap();
        }
        wr
    });
    let (mut buf, mut counts, mut seen) = (Vec::new(), (0, 0, 0), 0);
    let mut chunk = vec![0u8; 64 * 1024];
    while seen < n {
        let got = rd.read(&mut chunk).await.unwrap();
        assert!(
            got > 0,
            "the gateway closed a pipelined connection after {seen} answers"
        );
        buf.extend_from_slice(&chunk[..got]);
        let mut at = 0;
        while let Some(p) = find(&buf[at..], b"HTTP/1.1 ") {
            let start = at + p;
            if buf.len() < start + 12 {
                break;
            }
            match &buf[start + 9..start + 12] {
                b"401" => counts.0 += 1,
                b"429" => counts.1 += 1,
                _ => counts.2 += 1,
            }
            seen += 1;
            at = start + 12;
        }
        buf.drain(..at);
    }
    drop(writer.await.unwrap());
    counts
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn a_hundred_thousand_anonymous_requests_leave_a_consumer_served_and_the_log_bounded() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_settings(
        &up,
        "[server]\nnode_id = \"test-node\"\nper_ip_rate_per_second = 20000\nper_ip_burst = 20000\n\
         [audit]\nrejection_allowance = 20\nrejection_window = \"1h\"\nsummary_every = \"1s\"\n",
    );
    let gw = Gateway::start(cat.path()).await;
    let to: SocketAddr = gw.base.strip_prefix("http://").unwrap().parse().unwrap();
    let started = Instant::now();
    let flood: Vec<_> = (0..CONNECTIONS)
        .map(|_| tokio::spawn(pipelined(to, FLOOD / CONNECTIONS)))
        .collect();
    // The consumer, from another client address, all through the flood.
    let consumer = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut served = Vec::new();
    while flood.iter().any(|f| !f.is_finished()) || served.len() < 5 {
        let r = consumer
            .get(gw.url("/v1/data/alpha/http-ok?code=1234"))
            .bearer_auth(PORTAL_KEY)
            .header("Data-Purpose", "social-benefit")
            .send()
            .await
            .unwrap();
        served.push((r.status().as_u16(), request_id(&r)));
    }
    let (mut unauth, mut limited) = (0, 0);
    for f in flood {
        let (a, b, other) = f.await.unwrap();
        assert_eq!(other, 0, "flood answers other than 401/429");
        unauth += a;
        limited += b;
    }
    let secs = started.elapsed().as_secs();
    eprintln!(
        "{FLOOD} anonymous requests in {:?}: {unauth} × 401, {limited} × 429; consumer made {} requests",
        started.elapsed(),
        served.len()
    );
    assert_eq!(unauth + limited, FLOOD);
    assert!(
        served.iter().all(|(status, _)| *status == 200),
        "the consumer was not served throughout: {:?}",
        served.iter().filter(|s| s.0 != 200).collect::<Vec<_>>()
    );
    // Stop: the open summaries are committed at shutdown.
    gw.stop().await;

    let mut db = cat.audit_sqlite().await;
    let single: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_records WHERE consumer IS NULL \
         AND outcome IN ('unauthenticated', 'rate_limited')",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    let summaries: Vec<(String, String)> = sqlx::query_as(
        "SELECT request_id, event FROM audit_records WHERE event_kind = 'rejection_summary'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let counted: i64 = summaries
        .iter()
        .map(|(_, facts)| {
            let f: serde_json::Value = serde_json::from_str(facts).unwrap();
            assert_eq!(f["client"], "127.0.0.1");
            f["count"].as_i64().unwrap()
        })
        .sum();
    // Every request accounted for, exactly.
    assert_eq!(single + counted, FLOOD as i64);
    // At most the allowance of each (client, outcome) recorded one by one, and at most one
    // summary per outcome per second of flood (plus the last, at shutdown).
    assert!(single <= 40, "{single} rejections recorded one by one");
    let bound = 2 * (secs as usize + 2);
    assert!(
        summaries.len() <= bound,
        "{} summaries for a {secs} s flood",
        summaries.len()
    );
    // The consumer's requests were all recorded, one each.
    for (_, id) in &served {
        assert_eq!(records_for(&mut db, id).await, 1);
    }
}
