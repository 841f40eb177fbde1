//! A scenario's connection to the target: bounded reads, a deadline on every operation, and a
//! transcript of what crossed the wire.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout_at};
use wire::{Decoded, Decoder, Limits, Malformed, ServerMessage, decode_datagram};

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
    /// The deadline passed with this many bytes taken.
    NotTaken {
        /// Bytes the server took.
        taken: u64,
    },
    /// A write failed otherwise.
    Failed {
        /// Bytes the server took.
        taken: u64,
        /// The error.
        error: String,
    },
}

/// A TCP or UDP connection to the target.
#[derive(Debug)]
pub enum Conn {
    Tcp(TcpConn),
    Udp(UdpSocket),
}

#[derive(Debug)]
pub struct TcpConn {
    stream: TcpStream,
    buf: BytesMut,
    decoder: Decoder<ServerMessage>,
    closed: Option<CloseKind>,
    /// The first bytes of the message being decoded, line included, for reports.
    current: BytesMut,
}

fn close_kind(e: &std::io::Error) -> Option<CloseKind> {
    matches!(
        e.kind(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
    )
    .then_some(CloseKind::Reset)
}

impl Conn {
    /// Opens a TCP connection within the deadline.
    pub async fn tcp(addr: SocketAddr, deadline: Instant) -> std::io::Result<Conn> {
        let stream = timeout_at(deadline, TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::new(ErrorKind::TimedOut, "connect timed out"))??;
        // Each write of a split send should leave as its own segment.
        stream.set_nodelay(true)?;
        Ok(Conn::Tcp(TcpConn {
            stream,
            buf: BytesMut::with_capacity(64 * 1024),
            decoder: Decoder::new(HARNESS_LIMITS),
            closed: None,
            current: BytesMut::new(),
        }))
    }

    /// A UDP socket connected to the target (replies from elsewhere are ignored by the kernel).
    pub async fn udp(addr: SocketAddr) -> std::io::Result<Conn> {
        let local: SocketAddr = if addr.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        }
        .parse()
        .expect("static address");
        let socket = UdpSocket::bind(local).await?;
        socket.connect(addr).await?;
        Ok(Conn::Udp(socket))
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
        let mut taken = 0u64;
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 && !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            let result = match self {
                Conn::Tcp(c) => timeout_at(deadline, c.write_reading(chunk, &mut taken)).await,
                Conn::Udp(s) => {
                    timeout_at(deadline, async {
                        s.send(chunk).await?;
                        taken += chunk.len() as u64;
                        Ok(())
                    })
                    .await
                }
            };
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
                Err(_) => return Err(SendError::NotTaken { taken }),
            }
        }
        Ok(Sent::All)
    }

    /// Shuts down the writing half (sends FIN).
    pub async fn half_close(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Tcp(c) => c.stream.shutdown().await,
            Conn::Udp(_) => Ok(()),
        }
    }

    /// Aborts the connection: the server sees a reset.
    pub fn reset(self) {
        if let Conn::Tcp(c) = self {
            // Linger 0 turns close into RST. Ignoring failure: the drop still closes.
            #[allow(deprecated)]
            let _ = c.stream.set_linger(Some(Duration::ZERO));
        }
    }

    /// The next message, malformed line, close, or timeout.
    pub async fn next_event(&mut self, deadline: Instant) -> Event {
        match self {
            Conn::Tcp(c) => c.next_event(deadline).await,
            Conn::Udp(s) => {
                let mut buf = vec![0u8; 65536];
                match timeout_at(deadline, s.recv(&mut buf)).await {
                    Err(_) => Event::Timeout {
                        partial: Bytes::new(),
                        len: 0,
                    },
                    Ok(Err(e)) if e.kind() == ErrorKind::ConnectionRefused => Event::Broken(
                        "the target's UDP port is unreachable: is it serving UDP?".to_owned(),
                    ),
                    Ok(Err(e)) => Event::Broken(format!("UDP receive failed: {e}")),
                    Ok(Ok(n)) => {
                        let raw = Bytes::copy_from_slice(&buf[..n]);
                        match decode_datagram::<ServerMessage>(&raw, HARNESS_LIMITS) {
                            Ok(Decoded::Message(message)) => Event::Message { message, raw },
                            Ok(Decoded::Malformed(m)) => Event::Malformed(m),
                            Err(e) => Event::Broken(format!(
                                "datagram `{}`: {e}",
                                wire::escape::escape(&raw)
                            )),
                        }
                    }
                }
            }
        }
    }

    /// Reads raw bytes: exactly `n`, or through the first `delimiter`, at most `max`.
    pub async fn read_raw(&mut self, want: RawRead<'_>, deadline: Instant) -> Result<Bytes, Event> {
        let Conn::Tcp(c) = self else {
            return Err(Event::Broken("raw reads need a TCP connection".to_owned()));
        };
        // Raw reads bypass the decoder: start it afresh so its scan state matches the buffer.
        c.decoder = Decoder::new(HARNESS_LIMITS);
        c.current.clear();
        loop {
            let ready = match want {
                RawRead::Exact(n) => (c.buf.len() >= n).then_some(n),
                RawRead::Until(delim) => find(&c.buf, delim).map(|i| i + delim.len()),
            };
            if let Some(n) = ready {
                return Ok(c.buf.split_to(n).freeze());
            }
            if c.buf.len() > HARNESS_LIMITS.max_line {
                return Err(Event::Broken(format!(
                    "no delimiter within {} bytes",
                    HARNESS_LIMITS.max_line
                )));
            }
            if let Some(kind) = c.closed {
                return Err(Event::Closed(kind));
            }
            c.fill(deadline).await?;
        }
    }
}

/// What a raw read waits for.
#[derive(Debug, Clone, Copy)]
pub enum RawRead<'a> {
    Exact(usize),
    Until(&'a [u8]),
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How much a connection reads ahead while it writes: enough for every reply to a large
/// pipelined send, bounded so a flooding server cannot grow the harness.
const READ_AHEAD: usize = 16 * 1024 * 1024;

impl TcpConn {
    /// Writes `chunk` whole while reading what the server sends meanwhile (up to
    /// [`READ_AHEAD`]), so a server that answers while it reads never deadlocks the harness.
    /// `taken` counts the bytes as the kernel takes them.
    async fn write_reading(&mut self, chunk: &[u8], taken: &mut u64) -> std::io::Result<()> {
        let (mut rd, mut wr) = self.stream.split();
        let mut written = 0;
        while written < chunk.len() {
            let reading = self.closed.is_none() && self.buf.len() < READ_AHEAD;
            if reading {
                self.buf.reserve(64 * 1024);
            }
            tokio::select! {
                n = wr.write(&chunk[written..]) => match n? {
                    0 => return Err(std::io::Error::from(ErrorKind::WriteZero)),
                    n => {
                        written += n;
                        *taken += n as u64;
                    }
                },
                r = rd.read_buf(&mut self.buf), if reading => match r {
                    Ok(0) => self.closed = Some(CloseKind::Fin),
                    Ok(_) => {}
                    Err(e) => self.closed = Some(close_kind(&e).unwrap_or(CloseKind::Reset)),
                },
            }
        }
        Ok(())
    }

    /// Reads more bytes into the buffer, or records the close. `Err` only on timeout or failure.
    async fn fill(&mut self, deadline: Instant) -> Result<(), Event> {
        self.buf.reserve(64 * 1024);
        match timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
            Err(_) => Err(Event::Timeout {
                partial: Bytes::copy_from_slice(&self.buf[..self.buf.len().min(SHOWN_BYTES)]),
                len: self.buf.len(),
            }),
            Ok(Ok(0)) => {
                self.closed = Some(CloseKind::Fin);
                Ok(())
            }
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => match close_kind(&e) {
                Some(kind) => {
                    self.closed = Some(kind);
                    Ok(())
                }
                None => Err(Event::Broken(format!("read failed: {e}"))),
            },
        }
    }

    async fn next_event(&mut self, deadline: Instant) -> Event {
        loop {
            let room = SHOWN_BYTES.saturating_sub(self.current.len());
            let head = Bytes::copy_from_slice(&self.buf[..self.buf.len().min(room)]);
            let before = self.buf.len();
            let decoded = match self.closed {
                Some(_) => self.decoder.decode_eof(&mut self.buf),
                None => self.decoder.decode(&mut self.buf),
            };
            match decoded {
                Ok(Some(Decoded::Message(message))) => {
                    let used = before - self.buf.len();
                    self.current
                        .extend_from_slice(&head[..used.min(head.len())]);
                    return Event::Message {
                        message,
                        raw: self.current.split().freeze(),
                    };
                }
                Ok(Some(Decoded::Malformed(m))) => {
                    self.current.clear();
                    return Event::Malformed(m);
                }
                Ok(None) => {
                    // A payload's line was consumed: keep its bytes for the report.
                    let used = before - self.buf.len();
                    self.current
                        .extend_from_slice(&head[..used.min(head.len())]);
                    if let Some(kind) = self.closed {
                        return Event::Closed(kind);
                    }
                }
                Err(e) if self.buf.is_empty() => return Event::Broken(e.to_string()),
                Err(e) => {
                    let left = &self.buf[..self.buf.len().min(SHOWN_BYTES)];
                    return Event::Broken(format!("{e}: `{}`", wire::escape::escape(left)));
                }
            }
            if let Err(event) = self.fill(deadline).await {
                return event;
            }
        }
    }
}
