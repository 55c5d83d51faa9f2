//! The HTTP listener: accepts connections, completes TLS (when `[tls]` is set), serves them with
//! hyper, drains on shutdown.
//!
//! [`run`] takes a bound listener and a shutdown future, so tests bind `127.0.0.1:0`. The TLS
//! handshake runs in the connection's own task, bounded by `[tls] handshake_timeout`, so a slow
//! or silent client never holds up the accept loop. A verified client certificate is attached to
//! every request of its connection as an `Arc<PeerCert>` extension.
//!
//! Each request goes to `router`, which picks its handler ([`api`] or the data `pipeline`)
//! and renders whatever problem the handler returns — the one place errors become responses.

pub mod api;
pub(crate) mod caller;
pub(crate) mod manners;
pub(crate) mod pipeline;
pub mod problem;
pub(crate) mod router;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

use crate::gateway::Gateway;
use crate::identity::PeerCert;

/// Serve `gateway` on `listener` until `shutdown` resolves, then stop accepting and wait (up to
/// 30 s) for in-flight requests — and so their audit records — to finish.
pub async fn run(listener: TcpListener, gateway: Arc<Gateway>, shutdown: impl Future<Output = ()>) {
    let server = &gateway.settings.server;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(server.header_read_timeout)
        .max_buf_size(server.max_header_bytes.max(8192))
        .max_headers(server.max_headers.max(1));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(256)
        .max_header_list_size(u32::try_from(server.max_header_bytes).unwrap_or(u32::MAX));
    let builder = Arc::new(builder);
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
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let Some(tls) = gw.tls.clone() else {
                return serve(builder, watcher, gw, stream, peer, None).await;
            };
            let handshake = tls.acceptor().accept(stream);
            match tokio::time::timeout(tls.handshake_timeout(), handshake).await {
                Ok(Ok(stream)) => {
                    let cert = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .map(|leaf| Arc::new(PeerCert::from_der(leaf)));
                    serve(builder, watcher, gw, stream, peer, cert).await;
                }
                Ok(Err(e)) => tracing::debug!(error = %e, %peer, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
    tracing::info!("shutting down: draining in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => tracing::warn!("drain timed out after 30s"),
    }
}

/// Serve one connection (plain or TLS) until it ends.
async fn serve<S>(
    builder: Arc<auto::Builder<TokioExecutor>>,
    watcher: Watcher,
    gw: Arc<Gateway>,
    stream: S,
    peer: SocketAddr,
    cert: Option<Arc<PeerCert>>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |mut req| {
        let gw = gw.clone();
        if let Some(c) = &cert {
            req.extensions_mut().insert(c.clone());
        }
        // Each request runs in its own task so a client that disconnects cannot cancel the
        // pipeline halfway: the request still gets its audit record.
        async move {
            let handle = tokio::spawn(async move { router::route(gw, req).await });
            Ok::<_, std::convert::Infallible>(handle.await.unwrap_or_else(|_| {
                router::respond(Err(problem::Problem::new(
                    problem::ProblemKind::Internal,
                    "the request handler failed",
                )))
            }))
        }
    });
    let conn = builder
        .serve_connection(TokioIo::new(stream), service)
        .into_owned();
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(error = %e, %peer, "connection ended with an error");
    }
}
