//! A scenario's connections to the program: TCP and UDP, dialled or accepted on a listener of
//! the harness's own; bounded reads and a deadline on every operation.

mod raw;
mod tcp;
mod udp;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::{Instant, timeout_at};
use wire::{Limits, Malformed, ServerMessage};

pub use raw::{Judged, RawEnd};
pub use tcp::TcpConn;
pub use udp::UdpConn;

use crate::scenario::CloseKind;

/// What the harness accepts from a server: generous, but bounded, so a flooding or lying server
/// cannot grow the harness's memory.
pub const HARNESS_LIMITS: Limits = Limits {
    max_line: 64 * 1024,
    max_payload: 64 * 1024 * 1024,
};

/// Bytes of a received item kept for reports.
const SHOWN_BYTES: usize = crate::outcome::Excerpt::MAX;

/// The next thing that happened on a connection.
#[derive(Debug)]
pub enum Event {
    /// A server message, and its first bytes exactly as received.
    Message { message: ServerMessage, raw: Bytes },
    /// A line that is not a valid server message.
    Malformed(Malformed),
    /// The server closed the connection.
    Closed(CloseKind),
    /// Nothing complete arrived before the deadline; `partial` is the first of what did arrive,
    /// `len` how much.
    Timeout { partial: Bytes, len: usize },
    /// A payload's line arrived (`line`, as received) but not all the bytes it announced
    /// before the deadline; `partial` is the first of those that did.
    PayloadTimeout {
        line: Bytes,
        announced: u64,
        arrived: u64,
        partial: Bytes,
    },
    /// The stream cannot be read any further (a limit, truncation, or a socket error).
    Broken(String),
}

/// How a send ended that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Every byte was taken.
    All,
    /// The server closed the connection after taking this many bytes.
    ClosedAfter(u64),
}

/// How a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The deadline passed before every byte was taken.
    NotTaken {
        /// Bytes the server took.
        taken: u64,
        /// Bytes the send had.
        total: u64,
        /// How long the send went on.
        elapsed: Duration,
        /// How long before the deadline the server last took a byte (the whole send if never).
        idle: Duration,
    },
    /// A write failed otherwise.
    Failed {
        /// Bytes the server took.
        taken: u64,
        /// The error.
        error: String,
    },
}

/// A connection to the program.
#[derive(Debug)]
pub enum Conn {
    /// A TCP stream.
    Tcp(TcpConn),
    /// A UDP socket.
    Udp(UdpConn),
}

pub(crate) fn close_kind(e: &std::io::Error) -> Option<CloseKind> {
    matches!(
        e.kind(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
    )
    .then_some(CloseKind::Reset)
}

impl Conn {
    /// Opens a TCP connection within the deadline.
    pub async fn tcp(addr: SocketAddr, deadline: Instant) -> std::io::Result<Conn> {
        let stream = timeout_at(deadline, tokio::net::TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::new(ErrorKind::TimedOut, "connect timed out"))??;
        TcpConn::new(stream).map(Conn::Tcp)
    }

    /// A UDP socket connected to the target (replies from elsewhere are ignored by the kernel).
    pub async fn udp(addr: SocketAddr) -> std::io::Result<Conn> {
        UdpConn::dial(addr).await.map(Conn::Udp)
    }

    /// Writes `chunks` in order, pausing between them; UDP sends each chunk as a datagram.
    /// A server that closes the connection before taking everything is not a failure of the
    /// send (it may answer `ERR 413` or `BYE` and close): the next expect sees the close.
    pub async fn send(
        &mut self,
        chunks: &[Bytes],
        pause: Duration,
        deadline: Instant,
    ) -> Result<Sent, SendError> {
        let start = Instant::now();
        let total = chunks.iter().map(|c| c.len() as u64).sum();
        let mut progress = Progress {
            taken: 0,
            last: start,
        };
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 && !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            let result = match self {
                Conn::Tcp(c) => timeout_at(deadline, c.write_reading(chunk, &mut progress)).await,
                Conn::Udp(s) => timeout_at(deadline, s.send(chunk, &mut progress)).await,
            };
            let taken = progress.taken;
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) if close_kind(&e).is_some() => {
                    if let Conn::Tcp(c) = self {
                        c.closed.get_or_insert(CloseKind::Reset);
                    }
                    return Ok(Sent::ClosedAfter(taken));
                }
                Ok(Err(e)) => {
                    return Err(SendError::Failed {
                        taken,
                        error: e.to_string(),
                    });
                }
                Err(_) => {
                    let now = Instant::now();
                    return Err(SendError::NotTaken {
                        taken,
                        total,
                        elapsed: now - start,
                        idle: now - progress.last,
                    });
                }
            }
        }
        Ok(Sent::All)
    }

    /// Shuts down the writing half (sends FIN).
    pub async fn half_close(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Tcp(c) => c.half_close().await,
            Conn::Udp(_) => Ok(()),
        }
    }

    /// Ends a TCP connection cleanly: FIN, then whatever arrives is read and dropped until the
    /// server closes or `deadline` passes. `false` if the server had not closed by then.
    pub async fn end(self, deadline: Instant) -> bool {
        match self {
            Conn::Tcp(c) => c.end(deadline).await,
            Conn::Udp(_) => true,
        }
    }

    /// Aborts the connection: the server sees a reset.
    pub fn reset(self) {
        if let Conn::Tcp(c) = self {
            c.reset();
        }
    }

    /// The next message, malformed line, close, or timeout.
    pub async fn next_event(&mut self, deadline: Instant) -> Event {
        match self {
            Conn::Tcp(c) => c.next_event(deadline).await,
            Conn::Udp(s) => s.next_event(deadline).await,
        }
    }
}

/// How far a send has got: bytes taken, and when the last were.
#[derive(Debug)]
pub struct Progress {
    taken: u64,
    last: Instant,
}

impl Progress {
    pub(crate) fn took(&mut self, n: usize) {
        if n > 0 {
            self.taken += n as u64;
            self.last = Instant::now();
        }
    }
}
