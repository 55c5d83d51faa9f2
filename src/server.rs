//! The HTTP listener: accepts connections, serves them with hyper, drains on shutdown.
//!
//! [`run`] takes a bound listener and a shutdown future, so tests bind `127.0.0.1:0`.

pub mod audit_api;
pub mod catalog_api;
pub mod checkpoint_api;
mod health;
mod pipeline;
pub mod problem;
mod router;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::gateway::Gateway;

/// Serve `gateway` on `listener` until `shutdown` resolves, then stop accepting and wait (up to
/// 30 s) for in-flight requests — and so their audit records — to finish.
pub async fn run(listener: TcpListener, gateway: Arc<Gateway>, shutdown: impl Future<Output = ()>) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(gateway.settings.server.header_read_timeout)
        .max_buf_size(64 * 1024);
    builder.http2().max_concurrent_streams(256);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let gw = gateway.clone();
        let service = service_fn(move |req| {
            let gw = gw.clone();
            // Each request runs in its own task so a client that disconnects cannot cancel the
            // pipeline halfway: the request still gets its audit record.
            async move {
                let handle = tokio::spawn(async move { router::route(gw, req, peer).await });
                Ok::<_, std::convert::Infallible>(handle.await.unwrap_or_else(|_| {
                    problem::Problem::new(
                        problem::ProblemKind::Internal,
                        "the request handler failed",
                    )
                    .render(None)
                }))
            }
        });
        let conn = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    tracing::info!("shutting down: draining in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => tracing::warn!("drain timed out after 30s"),
    }
}
