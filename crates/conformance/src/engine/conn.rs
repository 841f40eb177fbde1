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
                Conn::Udp(s) => {
                    timeout_at(deadline, async {
                        s.send(chunk).await?;
                        progress.took(chunk.len());
                        Ok(())
                    })
                    .await
                }
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
            Conn::Tcp(c) => c.stream.shutdown().await,
            Conn::Udp(_) => Ok(()),
        }
    }

    /// Ends a TCP connection cleanly: FIN, then whatever arrives is read and dropped until the
    /// server closes or `deadline` passes. `false` if the server had not closed by then.
    pub async fn end(self, deadline: Instant) -> bool {
        let Conn::Tcp(mut c) = self else {
            return true;
        };
        if c.closed.is_some() {
            return true;
        }
        let _ = c.stream.shutdown().await;
        let mut buf = [0u8; 4096];
        loop {
            match timeout_at(deadline, c.stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
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

    /// Reads raw bytes: exactly `n`, or through the first `delimiter`. On failure, what did
    /// arrive is kept.
    pub async fn read_raw(
        &mut self,
        want: RawRead<'_>,
        deadline: Instant,
    ) -> Result<Bytes, RawShort> {
        let Conn::Tcp(c) = self else {
            return Err(RawShort::new(
                RawEnd::Broken("raw reads need a TCP connection".into()),
                &[],
            ));
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
            let end = if c.buf.len() > HARNESS_LIMITS.max_line {
                Some(RawEnd::Broken(format!(
                    "no delimiter within {} bytes",
                    HARNESS_LIMITS.max_line
                )))
            } else if let Some(kind) = c.closed {
                Some(RawEnd::Closed(kind))
            } else {
                match c.fill(deadline).await {
                    Ok(()) => None,
                    Err(Event::Broken(why)) => Some(RawEnd::Broken(why)),
                    Err(_) => Some(RawEnd::Deadline),
                }
            };
            if let Some(end) = end {
                return Err(RawShort::new(end, &c.buf));
            }
        }
    }
}

/// A raw read that ended before its bytes were there.
#[derive(Debug)]
pub struct RawShort {
    /// How it ended.
    pub end: RawEnd,
    /// The first of the bytes that arrived.
    pub partial: Bytes,
    /// How many arrived.
    pub len: usize,
}

/// How a raw read ended early.
#[derive(Debug)]
pub enum RawEnd {
    /// The deadline passed.
    Deadline,
    /// The program closed the connection.
    Closed(CloseKind),
    /// The stream cannot be read (a socket error, or no delimiter within the limit).
    Broken(String),
}

impl RawShort {
    fn new(end: RawEnd, buf: &[u8]) -> Self {
        RawShort {
            end,
            partial: Bytes::copy_from_slice(&buf[..buf.len().min(SHOWN_BYTES)]),
            len: buf.len(),
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
    fn took(&mut self, n: usize) {
        if n > 0 {
            self.taken += n as u64;
            self.last = Instant::now();
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
    /// `progress` counts the bytes as the kernel takes them.
    async fn write_reading(
        &mut self,
        chunk: &[u8],
        progress: &mut Progress,
    ) -> std::io::Result<()> {
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
                        progress.took(n);
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
                return match (event, self.decoder.awaited_payload()) {
                    (Event::Timeout { partial, len }, Some(announced)) => Event::PayloadTimeout {
                        line: self.current.clone().freeze(),
                        announced,
                        arrived: len as u64,
                        partial,
                    },
                    (event, _) => event,
                };
            }
        }
    }
}
