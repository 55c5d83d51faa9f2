//! Connection manners: what a connection must do to keep its socket. A cap on open connections
//! (in total and per client prefix, [`caps`]); the first bytes — TLS handshake and the HTTP/1
//! request line or HTTP/2 preface — within `[server] header_read_timeout` of the accept
//! ([`preface`]); and an idle close, for HTTP/1.1 keep-alive and HTTP/2 alike, once no request
//! has been in flight for `[server] idle_timeout` ([`idle`]). HTTP/2 PINGs and the stream cap
//! are hyper's, set in `server::run`.

pub mod caps;
pub mod idle;
pub mod preface;
