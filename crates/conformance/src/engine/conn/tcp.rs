//! A TCP connection: a read buffer shared by the protocol decoder and raw reads, and writes
//! that keep reading so a server answering while it reads never deadlocks the harness.

use std::io::ErrorKind;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use wire::{Decoded, Decoder, Limits, ServerMessage};

use super::{Event, HARNESS_LIMITS, Progress, SHOWN_BYTES, close_kind};
use crate::scenario::CloseKind;

/// A TCP connection and what it has read.
#[derive(Debug)]
pub struct TcpConn {
    stream: TcpStream,
    pub(super) buf: BytesMut,
    pub(super) decoder: Decoder<ServerMessage>,
    /// The decoder's limits (a scenario sets its own, [`TcpConn::set_limits`]).
    pub(super) limits: Limits,
    pub(super) closed: Option<CloseKind>,
    /// The first bytes of the message being decoded, line included, for reports.
    pub(super) current: BytesMut,
}

/// How much a connection reads ahead while it writes: enough for every reply to a large
/// pipelined send, bounded so a flooding server cannot grow the harness.
const READ_AHEAD: usize = 16 * 1024 * 1024;

impl TcpConn {
    /// Wraps a connected stream.
    pub fn new(stream: TcpStream) -> std::io::Result<TcpConn> {
        // Each write of a split send should leave as its own segment.
        stream.set_nodelay(true)?;
        Ok(TcpConn {
            stream,
            buf: BytesMut::with_capacity(64 * 1024),
            decoder: Decoder::new(HARNESS_LIMITS),
            limits: HARNESS_LIMITS,
            closed: None,
            current: BytesMut::new(),
        })
    }

    /// Decodes with `limits` from now on; called before anything is read.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.decoder = Decoder::new(limits);
    }

    /// Shuts down the writing half (FIN).
    pub async fn half_close(&mut self) -> std::io::Result<()> {
        self.stream.shutdown().await
    }

    /// FIN, then reads and drops until the server closes or the deadline passes.
    pub async fn end(mut self, deadline: Instant) -> bool {
        if self.closed.is_some() {
            return true;
        }
        let _ = self.stream.shutdown().await;
        let mut buf = [0u8; 4096];
        loop {
            match timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
        }
    }

    /// Aborts: the server sees a reset.
    pub fn reset(self) {
        // Linger 0 turns close into RST. Ignoring failure: the drop still closes.
        #[allow(deprecated)]
        let _ = self.stream.set_linger(Some(Duration::ZERO));
    }

    /// Writes `chunk` whole while reading what the server sends meanwhile (up to
    /// [`READ_AHEAD`]), so a server that answers while it reads never deadlocks the harness.
    /// `progress` counts the bytes as the kernel takes them.
    pub(super) async fn write_reading(
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
    pub(super) async fn fill(&mut self, deadline: Instant) -> Result<(), Event> {
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

    pub(super) async fn next_event(&mut self, deadline: Instant) -> Event {
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
                Err(wire::DecodeError::PayloadTooLarge {
                    announced, limit, ..
                }) => {
                    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
                    return Event::Broken(format!(
                        "`{}` announces {announced} bytes, more than this scenario can need \
                         ({limit} bytes): the harness does not read them",
                        wire::escape::escape(line)
                    ));
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
