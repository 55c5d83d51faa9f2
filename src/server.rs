//! The HTTP listener: accepts connections, completes TLS (when `[tls]` is set), serves them with
//! hyper, drains on shutdown.
//!
//! [`run`] takes a bound listener and a shutdown future, so tests bind `127.0.0.1:0`. Each
//! connection runs in its own task under the manners of [`conn`]: admitted only under the
//! connection caps, its TLS handshake and first bytes due within `[server]
//! header_read_timeout` of the accept, closed once idle for `idle_timeout`; the accept loop
//! never waits on a client. A verified client certificate is attached to every request of its
//! connection as an `Arc<PeerCert>` extension, the peer as a [`peer::ClientAddr`].
//!
//! Each request goes to `router`, which picks its handler ([`api`] or the data `pipeline`)
//! and renders whatever problem the handler returns — the one place errors become responses.

pub mod api;
pub(crate) mod caller;
pub mod conn;
pub(crate) mod manners;
pub mod peer;
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
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerSettings;
use crate::gateway::Gateway;
use crate::identity::PeerCert;
use crate::security::SecurityEvents;
use conn::caps::{ConnCaps, Permit};
use conn::idle::Activity;
use peer::ClientAddr;

/// Longest a connection closed for idleness may take to finish its goodbye (HTTP/2 GOAWAY).
const IDLE_GOODBYE: Duration = Duration::from_secs(5);
/// Longest the drain at shutdown waits for in-flight requests.
const DRAIN: Duration = Duration::from_secs(30);

/// hyper's connection builder for `[server]`: HTTP/1 head limits and timer, HTTP/2 stream cap,
/// header list size and PINGs.
fn builder(server: &ServerSettings) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(server.header_read_timeout)
        .max_buf_size(server.max_header_bytes.max(8192))
        .max_headers(server.max_headers.max(1));
    let ping = Some(server.h2_keepalive_interval).filter(|d| !d.is_zero());
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(server.h2_max_concurrent_streams)
        .keep_alive_interval(ping)
        .keep_alive_timeout(server.h2_keepalive_timeout)
        .max_header_list_size(u32::try_from(server.max_header_bytes).unwrap_or(u32::MAX));
    builder
}

/// Serve `gateway` on `listener` until `shutdown` resolves, then stop accepting and wait (up to
/// 30 s) for in-flight requests — and so their audit records — to finish.
pub async fn run(listener: TcpListener, gateway: Arc<Gateway>, shutdown: impl Future<Output = ()>) {
    let server = &gateway.settings.server;
    let builder = Arc::new(builder(server));
    let caps = ConnCaps::new(server.max_connections, server.max_connections_per_ip);
    let stopping = CancellationToken::new();
    let connections = TaskTracker::new();
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
        let permit = match caps.admit(ClientAddr(peer).prefix()) {
            Ok(p) => p,
            Err(refused) => {
                SecurityEvents::bump(&gateway.security.connections_refused);
                tracing::debug!(%peer, %refused, "connection refused");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = Conn {
            gw: gateway.clone(),
            builder: builder.clone(),
            stopping: stopping.clone(),
            peer,
            _permit: permit,
        };
        connections.spawn(conn.run(stream, Instant::now()));
    }
    tracing::info!("shutting down: draining in-flight requests");
    stopping.cancel();
    connections.close();
    if tokio::time::timeout(DRAIN, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("drain timed out after 30s");
    }
}

/// One admitted connection and what it needs to serve itself.
struct Conn {
    gw: Arc<Gateway>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    stopping: CancellationToken,
    peer: SocketAddr,
    _permit: Permit,
}

impl Conn {
    /// TLS (if configured) and the first bytes by the header deadline, then serve.
    async fn run(self, stream: TcpStream, accepted: Instant) {
        let deadline = accepted + self.gw.settings.server.header_read_timeout;
        let Some(tls) = self.gw.tls.clone() else {
            return self.first_bytes(stream, deadline, None).await;
        };
        let by = deadline.min(accepted + tls.handshake_timeout());
        match tokio::time::timeout_at(by, tls.acceptor().accept(stream)).await {
            Ok(Ok(stream)) => {
                let cert = (stream.get_ref().1.peer_certificates())
                    .and_then(|chain| chain.first())
                    .map(|leaf| Arc::new(PeerCert::from_der(leaf)));
                self.first_bytes(stream, deadline, cert).await;
            }
            Ok(Err(e)) => tracing::debug!(error = %e, peer = %self.peer, "TLS handshake failed"),
            Err(_) => {
                SecurityEvents::bump(&self.gw.security.slow_connections_closed);
                tracing::debug!(peer = %self.peer, "TLS handshake timed out");
            }
        }
    }

    async fn first_bytes<S>(self, stream: S, deadline: Instant, cert: Option<Arc<PeerCert>>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        match conn::preface::read_preface(stream, deadline).await {
            Ok(stream) => self.serve(stream, cert).await,
            Err(conn::preface::PrefaceError::TimedOut) => {
                SecurityEvents::bump(&self.gw.security.slow_connections_closed);
                tracing::debug!(peer = %self.peer, "no request within the header read timeout");
            }
            Err(e) => tracing::debug!(error = %e, peer = %self.peer, "connection ended"),
        }
    }

    /// Serve one connection (plain or TLS) until it ends, it has been idle for `[server]
    /// idle_timeout`, or the server stops (then in-flight requests finish first).
    async fn serve<S>(self, stream: S, cert: Option<Arc<PeerCert>>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let activity = Arc::new(Activity::default());
        let (gw, peer) = (self.gw.clone(), self.peer);
        let busy = activity.clone();
        let service = service_fn(move |mut req| {
            let gw = gw.clone();
            if let Some(c) = &cert {
                req.extensions_mut().insert(c.clone());
            }
            req.extensions_mut().insert(ClientAddr(peer));
            let busy = busy.busy();
            // Each request runs in its own task so a client that disconnects cannot cancel the
            // pipeline halfway: the request still gets its audit record.
            async move {
                let handle = tokio::spawn(async move { router::route(gw, req).await });
                let answer = handle.await.unwrap_or_else(|_| {
                    router::respond(Err(problem::Problem::new(
                        problem::ProblemKind::Internal,
                        "the request handler failed",
                    )))
                });
                drop(busy);
                Ok::<_, std::convert::Infallible>(answer)
            }
        });
        let conn = self.builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(conn);
        let idle_timeout = self.gw.settings.server.idle_timeout;
        let mut goodbye: Option<Instant> = None;
        let ended = loop {
            tokio::select! {
                ended = conn.as_mut() => break ended,
                () = self.stopping.cancelled(), if goodbye.is_none() => {
                    conn.as_mut().graceful_shutdown();
                    goodbye = Some(Instant::now() + DRAIN);
                }
                () = activity.idle_for(idle_timeout), if goodbye.is_none() => {
                    SecurityEvents::bump(&self.gw.security.idle_connections_closed);
                    conn.as_mut().graceful_shutdown();
                    goodbye = Some(Instant::now() + IDLE_GOODBYE);
                }
                () = tokio::time::sleep_until(goodbye.unwrap_or_else(Instant::now)), if goodbye.is_some() => {
                    return;
                }
            }
        };
        if let Err(e) = ended {
            // hyper's own HTTP/1 head timer (a slowloris head) ends the connection this way.
            if e.downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_timeout)
            {
                SecurityEvents::bump(&self.gw.security.slow_connections_closed);
            }
            tracing::debug!(error = %e, %peer, "connection ended with an error");
        }
    }
}
