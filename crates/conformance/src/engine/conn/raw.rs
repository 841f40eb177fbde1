//! Raw reads: bytes gathered past the protocol's framing until a matcher says how many of them
//! it takes, or the deadline passes, or the peer closes. Every byte that arrived is kept for
//! the report.

use bytes::Bytes;
use tokio::time::Instant;
use wire::Decoder;

use super::{Conn, Event, HARNESS_LIMITS, SHOWN_BYTES};
use crate::scenario::CloseKind;

/// The most bytes a raw read gathers before it gives up: a file served whole fits.
const RAW_LIMIT: usize = HARNESS_LIMITS.max_payload as usize;

/// A raw read that ended before its bytes were there.
#[derive(Debug)]
pub struct RawShort {
    /// How it ended.
    pub end: RawEnd,
    /// The first of the bytes that arrived.
    pub partial: Bytes,
    /// How many arrived.
    pub len: usize,
    /// All that arrived (bounded by the raw read's limit): where a comparison differs.
    pub all: Bytes,
    /// Whether the program had closed the connection (also when the bytes did not match).
    pub closed: Option<CloseKind>,
}

/// How a raw read ended early.
#[derive(Debug)]
pub enum RawEnd {
    /// The deadline passed.
    Deadline,
    /// The program closed the connection.
    Closed(CloseKind),
    /// The bytes (or the datagram) that came can never match.
    Mismatch,
    /// The stream cannot be read (a socket error, or too much without a match).
    Broken(String),
}

impl RawShort {
    fn new(end: RawEnd, all: Bytes) -> Self {
        RawShort {
            end,
            partial: all.slice(..all.len().min(SHOWN_BYTES.max(4096))),
            len: all.len(),
            all,
            closed: None,
        }
    }
}

/// What a matcher says of the bytes gathered so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    /// Not yet: more bytes (or the close) may make them match.
    More,
    /// They match: the first `n` bytes are taken.
    Take(usize),
    /// They can never match.
    Mismatch,
}

impl Conn {
    /// Gathers bytes until `judge(bytes, closed)` takes some or rules them out. On UDP, each
    /// datagram is judged alone. On failure, what did arrive is kept.
    pub async fn read_raw(
        &mut self,
        deadline: Instant,
        judge: impl Fn(&[u8], bool) -> Judged,
    ) -> Result<Bytes, RawShort> {
        let c = match self {
            Conn::Tcp(c) => c,
            Conn::Udp(u) => {
                return match u.recv(deadline).await {
                    Err(why) => Err(RawShort::new(RawEnd::Broken(why), Bytes::new())),
                    Ok(None) => Err(RawShort::new(RawEnd::Deadline, Bytes::new())),
                    Ok(Some(d)) => match judge(&d, false) {
                        Judged::Take(_) => Ok(d),
                        Judged::More | Judged::Mismatch => Err(RawShort::new(RawEnd::Mismatch, d)),
                    },
                };
            }
        };
        // Raw reads bypass the decoder: start it afresh so its scan state matches the buffer.
        c.decoder = Decoder::new(c.limits);
        c.current.clear();
        loop {
            let end = match judge(&c.buf, c.closed.is_some()) {
                Judged::Take(n) => return Ok(c.buf.split_to(n.min(c.buf.len())).freeze()),
                Judged::Mismatch => Some(RawEnd::Mismatch),
                Judged::More => None,
            };
            let end = if end.is_some() {
                end
            } else if c.buf.len() > RAW_LIMIT {
                Some(RawEnd::Broken(format!(
                    "{} bytes without a match: the harness reads no more",
                    c.buf.len()
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
                // The step fails and ends the scenario: what arrived moves into the report.
                let mut short = RawShort::new(end, c.buf.split().freeze());
                short.closed = c.closed;
                return Err(short);
            }
        }
    }
}
