//! `dxgate demo-agencies`: two tiny agency HTTP APIs for the bundled demo catalogue.
//!
//! The demo's HTTP-backed datasets (`mof/business-registry` on 127.0.0.1:9101 and
//! `delta/business-licences` on 127.0.0.1:9102) need an agency API behind them. This serves
//! `seeds/http/<name>.json` (an object keyed by `enterprise_code`) so `serve` has something real
//! to forward to. It is demo scaffolding, not part of the gateway.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::Value;
use tokio::net::TcpListener;

use super::CommandError;

/// (listen address, path, data file, answer when the key is unknown)
const APIS: [(&str, &str, &str, Missing); 2] = [
    (
        "127.0.0.1:9101",
        "/business-registry",
        "business-registry.json",
        Missing::NotFound,
    ),
    (
        "127.0.0.1:9102",
        "/business-licences",
        "business-licences.json",
        Missing::EmptyList,
    ),
];

#[derive(Clone, Copy)]
enum Missing {
    NotFound,
    EmptyList,
}

/// Serve the demo agency APIs until SIGINT/SIGTERM.
pub async fn demo_agencies(dir: &Path) -> Result<(), CommandError> {
    let mut tasks = Vec::new();
    for (addr, path, file, missing) in APIS {
        let file = dir.join("seeds/http").join(file);
        let text = std::fs::read_to_string(&file)
            .map_err(|e| CommandError::Failed(format!("{}: {e}", file.display())))?;
        let data: HashMap<String, Value> = serde_json::from_str(&text)
            .map_err(|e| CommandError::Failed(format!("{}: {e}", file.display())))?;
        let data = Arc::new(data);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| CommandError::Listen {
                addr: addr.parse().unwrap_or_else(|_| ([127, 0, 0, 1], 0).into()),
                source,
            })?;
        println!("demo agency API listening on http://{addr}{path}");
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let data = data.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| answer(req, path, data.clone(), missing));
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }));
    }
    super::shutdown_signal().await;
    for t in tasks {
        t.abort();
    }
    Ok(())
}

async fn answer(
    req: Request<Incoming>,
    path: &'static str,
    data: Arc<HashMap<String, Value>>,
    missing: Missing,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != path {
        return Ok(json(
            StatusCode::NOT_FOUND,
            r#"{"error":"no such API"}"#.into(),
        ));
    }
    let code = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "enterprise_code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    Ok(match (data.get(&code), missing) {
        (Some(v), _) => json(StatusCode::OK, v.to_string()),
        (None, Missing::EmptyList) => json(StatusCode::OK, "[]".into()),
        (None, Missing::NotFound) => json(
            StatusCode::NOT_FOUND,
            r#"{"error":"no such enterprise"}"#.into(),
        ),
    })
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
