//! A real OTLP/HTTP receiver: accepts `POST /v1/traces` and `/v1/metrics` (protobuf) and keeps
//! the bodies so tests can look for span names and attribute values in them.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

/// One export request: the path it was posted to and its body.
type Export = (String, Vec<u8>);

#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<Export>>>);

impl Received {
    /// True when some body posted to `path` contains every needle.
    pub fn has(&self, path: &str, needles: &[&str]) -> bool {
        self.0.lock().unwrap().iter().any(|(p, body)| {
            p == path
                && needles
                    .iter()
                    .all(|n| body.windows(n.len()).any(|w| w == n.as_bytes()))
        })
    }

    /// Wait (up to 20 s) until [`Received::has`] holds; whether it came to.
    pub async fn arrives(&self, path: &str, needles: &[&str]) -> bool {
        super::eventually(20, async || self.has(path, needles)).await
    }
}

pub struct OtlpReceiver {
    pub addr: SocketAddr,
    pub received: Received,
}

impl OtlpReceiver {
    pub async fn start() -> OtlpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Received::default();
        let r = received.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let r = r.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let r = r.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let body = super::upstream::body_bytes(req).await;
                            r.0.lock().unwrap().push((path, body.to_vec()));
                            let mut resp = Response::new(Full::new(Bytes::new()));
                            resp.headers_mut()
                                .insert("content-type", "application/x-protobuf".parse().unwrap());
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        OtlpReceiver { addr, received }
    }
}
