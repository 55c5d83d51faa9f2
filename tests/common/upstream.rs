//! A real HTTP upstream (hyper) on 127.0.0.1:0 that plays an agency API, one behaviour per path.
//! [`Upstream::start_tls`] serves the same over TLS (optionally requiring a client certificate);
//! `/jwks` serves whatever [`Upstream::set_jwks`] last stored (an eID provider's key set);
//! `/switch` answers like `/ok`, or 500 while [`Upstream::set_failing`] says so.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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
    /// TCP connections accepted (a pooled client reuses them).
    pub connections: Arc<AtomicU64>,
    jwks: Arc<Mutex<String>>,
    failing: Arc<AtomicBool>,
}

impl Upstream {
    pub async fn start() -> Upstream {
        Self::spawn(None).await
    }

    /// The same upstream over TLS with `config`.
    pub async fn start_tls(config: rustls::ServerConfig) -> Upstream {
        Self::spawn(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn spawn(tls: Option<tokio_rustls::TlsAcceptor>) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicU64::new(0));
        let jwks = Arc::new(Mutex::new(String::from(r#"{"keys":[]}"#)));
        let failing = Arc::new(AtomicBool::new(false));
        let (h, c, j, f) = (
            hits.clone(),
            connections.clone(),
            jwks.clone(),
            failing.clone(),
        );
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                c.fetch_add(1, Ordering::Relaxed);
                let (h, j, f, tls) = (h.clone(), j.clone(), f.clone(), tls.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        h.fetch_add(1, Ordering::Relaxed);
                        let jwks = j.lock().unwrap().clone();
                        handle(req, jwks, f.load(Ordering::Relaxed))
                    });
                    let builder = auto::Builder::new(TokioExecutor::new());
                    match tls {
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                        Some(acceptor) => {
                            if let Ok(s) = acceptor.accept(stream).await {
                                let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                            }
                        }
                    }
                });
            }
        });
        Upstream {
            addr,
            hits,
            connections,
            jwks,
            failing,
        }
    }

    /// Whether `/switch` fails (500) from now on.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::Relaxed);
    }

    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// What `/jwks` answers from now on.
    pub fn set_jwks(&self, doc: &str) {
        *self.jwks.lock().unwrap() = doc.to_owned();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

/// The whole body of a request (empty if it cannot be read).
pub async fn body_bytes(req: Request<Incoming>) -> Bytes {
    req.into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default()
}

fn json(status: u16, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    r
}

async fn handle(
    req: Request<Incoming>,
    jwks: String,
    failing: bool,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let purpose = req
        .headers()
        .get("data-purpose")
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    let names: Vec<String> = req
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    let r = match path.as_str() {
        // Echoes the names of the headers it received (to prove what was, and was not, forwarded).
        "/headers" => json(
            200,
            &serde_json::json!({"code": query, "name": names.join(","), "purpose": purpose})
                .to_string(),
        ),
        // Echoes what it was asked, so tests can see what the gateway forwarded.
        "/ok" => json(
            200,
            &serde_json::json!({"code": query, "name": "Acme Ltd", "purpose": purpose}).to_string(),
        ),
        "/echo" => {
            let body = body_bytes(req).await;
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
        "/jwks" => json(200, &jwks),
        "/invalid" => json(200, r#"{"code": 12, "unexpected": true}"#),
        "/malformed" => json(200, "{not json"),
        "/fail" => json(500, r#"{"error":"database down"}"#),
        "/switch" if failing => json(500, r#"{"error":"database down"}"#),
        "/switch" => json(
            200,
            &serde_json::json!({"code": query, "name": "Acme Ltd", "purpose": purpose}).to_string(),
        ),
        "/missing" => json(404, r#"{"error":"no such record"}"#),
        // Data that declares its own date (for `freshness_pointer`), with a repeated record.
        "/dated" => json(
            200,
            &serde_json::json!({"code": query, "as_of": "2020-01-01T07:00:00+07:00",
                "items": [{"n": 1}, {"n": 2}, {"n": 1}]})
            .to_string(),
        ),
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

/// What a [`FaultyUpstream`] does to every connection.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Accepts and reads the request, then never answers.
    Hang,
    /// Announces a 1000-byte body, sends 100 bytes, then closes cleanly (FIN).
    HalfBody,
    /// Sends the head and part of the body, then resets the connection (RST).
    ResetMidBody,
    /// Answers with bytes that are not HTTP at all.
    Garbage,
    /// A 200 with a chunked body that never ends (drip-feeds a byte every 100 ms).
    Drip,
}

/// A raw TCP "agency API" that misbehaves below HTTP, one [`Fault`] for every connection.
pub struct FaultyUpstream {
    pub addr: SocketAddr,
    /// Connections accepted.
    pub hits: Arc<AtomicU64>,
    /// Times a fault began to wait (hang, the pause before a reset, a drip's pause): a test on
    /// paused time advances the clock only once the wait is armed.
    pub stalls: Arc<AtomicU64>,
}

impl FaultyUpstream {
    pub async fn start(fault: Fault) -> FaultyUpstream {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicU64::new(0));
        let stalls = Arc::new(AtomicU64::new(0));
        let (h, st) = (hits.clone(), stalls.clone());
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                h.fetch_add(1, Ordering::Relaxed);
                let stall = st.clone();
                let stall = move |d: Duration| {
                    stall.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(d)
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n";
                    match fault {
                        Fault::Hang => {
                            stall(Duration::from_secs(3600)).await;
                        }
                        Fault::HalfBody => {
                            let body = format!("{{\"code\":\"{}", "x".repeat(90));
                            let _ = s
                                .write_all(
                                    format!("{head}content-length: 1000\r\n\r\n{body}").as_bytes(),
                                )
                                .await;
                            let _ = s.shutdown().await;
                        }
                        Fault::ResetMidBody => {
                            let _ = s
                                .write_all(
                                    format!("{head}content-length: 1000\r\n\r\n{{\"code\":\"12")
                                        .as_bytes(),
                                )
                                .await;
                            let _ = s.flush().await;
                            stall(Duration::from_millis(20)).await;
                            let _ = s.set_zero_linger();
                            drop(s);
                        }
                        Fault::Garbage => {
                            let _ = s
                                .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage\r\n\r\n")
                                .await;
                        }
                        Fault::Drip => {
                            let _ = s
                                .write_all(
                                    format!("{head}transfer-encoding: chunked\r\n\r\n").as_bytes(),
                                )
                                .await;
                            for _ in 0..600 {
                                if s.write_all(b"1\r\n \r\n").await.is_err() {
                                    break;
                                }
                                stall(Duration::from_millis(100)).await;
                            }
                        }
                    }
                });
            }
        });
        FaultyUpstream { addr, hits, stalls }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}
