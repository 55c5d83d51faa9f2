//! A real HTTP upstream (hyper) on 127.0.0.1:0 that plays an agency API, one behaviour per path.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

pub struct Upstream {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicU64>,
}

impl Upstream {
    pub async fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicU64::new(0));
        let h = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let h = h.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        h.fetch_add(1, Ordering::Relaxed);
                        handle(req)
                    });
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Upstream { addr, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

fn json(status: u16, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    r
}

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let purpose = req
        .headers()
        .get("data-purpose")
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    let r = match path.as_str() {
        // Echoes what it was asked, so tests can see what the gateway forwarded.
        "/ok" => json(
            200,
            &serde_json::json!({"code": query, "name": "Acme Ltd", "purpose": purpose}).to_string(),
        ),
        "/echo" => {
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            json(
                200,
                &serde_json::json!({"code": v["code"], "name": "Posted", "purpose": purpose})
                    .to_string(),
            )
        }
        "/refuse-justified" => json(
            403,
            r#"{"justification":{"legal_basis":"Tax Law 2019, Art. 99","reason":"Tax secrecy applies to this taxpayer."}}"#,
        ),
        "/refuse-bare" => json(451, r#"{"error":"no"}"#),
        "/invalid" => json(200, r#"{"code": 12, "unexpected": true}"#),
        "/malformed" => json(200, "{not json"),
        "/fail" => json(500, r#"{"error":"database down"}"#),
        "/missing" => json(404, r#"{"error":"no such record"}"#),
        "/big" => json(
            200,
            &format!(
                "{{\"code\":\"{}\",\"name\":\"x\",\"purpose\":\"p\"}}",
                "x".repeat(64 * 1024)
            ),
        ),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            json(200, r#"{"code":"late","name":"x","purpose":"p"}"#)
        }
        _ => json(404, "{}"),
    };
    Ok(r)
}
