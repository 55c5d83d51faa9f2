//! The first bytes of a connection, within a deadline. hyper's automatic HTTP/1-or-2 detection
//! reads up to the 24-byte HTTP/2 preface with no time limit, and its HTTP/1 head timer starts
//! only after that: a socket that sends nothing (or one byte) would be held forever. Here the
//! bytes that decide the protocol are read by the deadline (`[server] header_read_timeout` from
//! the accept, TLS handshake included), then handed back in front of the stream ([`Rewind`]) so
//! hyper reads them again.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::time::Instant;

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Why a connection ended before its first request could be read.
#[derive(Debug, thiserror::Error)]
pub enum PrefaceError {
    #[error("the client sent no request within the header read timeout")]
    TimedOut,
    #[error("the client closed the connection before sending a request")]
    Closed,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Read until the bytes read so far rule HTTP/2 out, or make the whole HTTP/2 preface, by
/// `deadline`. Returns the stream with those bytes put back in front of it.
pub async fn read_preface<S>(mut stream: S, deadline: Instant) -> Result<Rewind<S>, PrefaceError>
where
    S: AsyncRead + Unpin,
{
    let mut buf = [0u8; 24];
    let mut filled = 0;
    let read = async {
        while filled < H2_PREFACE.len() {
            let n = stream.read(&mut buf[filled..]).await?;
            if n == 0 {
                return Err(PrefaceError::Closed);
            }
            filled += n;
            if buf[..filled] != H2_PREFACE[..filled] {
                break;
            }
        }
        Ok::<_, PrefaceError>(())
    };
    match tokio::time::timeout_at(deadline, read).await {
        Ok(Ok(())) => Ok(Rewind {
            prefix: buf,
            start: 0,
            end: filled,
            inner: stream,
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(PrefaceError::TimedOut),
    }
}

/// A stream with some bytes already read put back in front of it.
#[derive(Debug)]
pub struct Rewind<S> {
    prefix: [u8; 24],
    start: usize,
    end: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.start < self.end {
            let n = (self.end - self.start).min(buf.remaining());
            let start = self.start;
            buf.put_slice(&self.prefix[start..start + n]);
            self.start += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn http1_bytes_are_handed_back_and_silence_times_out() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut rewound = read_preface(server, deadline).await.unwrap();
        drop(client);
        let mut all = Vec::new();
        rewound.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"GET / HTTP/1.1\r\n\r\n");

        let (_silent, server) = tokio::io::duplex(64);
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(matches!(
            read_preface(server, deadline).await,
            Err(PrefaceError::TimedOut)
        ));
    }

    #[tokio::test]
    async fn a_partial_http2_preface_waits_for_the_rest_until_the_deadline() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(&H2_PREFACE[..10]).await.unwrap();
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(matches!(
            read_preface(server, deadline).await,
            Err(PrefaceError::TimedOut)
        ));
    }
}
