//! The request side of one connection: its state, and the loop that reads requests and hands
//! them to the handlers of [`super::requests`] and [`super::upload`], one at a time (ORDER-3).

use std::sync::Arc;

use bytes::Bytes;

use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};
use wire::codec::PartCodec;
use wire::{
    ClientMessage, DecodeError, Decoded, ErrorCode, Malformed, Name, PartDecoder, ServerMessage,
};

use super::upload::Put;
use super::{End, FILES_IN_FLIGHT, Gone, Shared};
use crate::reader::{MessageReader, ReadError};
use crate::server::message::{encode, err, text};
use crate::server::outbox::{Outgoing, QueueSender};
use crate::server::room::Membership;

/// What a handler tells the read loop: go on (`None`) or end the connection this way.
pub(super) type Flow = Result<Option<End>, Gone>;

/// The request side of one connection.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) id: u64,
    pub(super) shared: Arc<Shared>,
    /// This connection's outgoing queue.
    pub(super) queue: QueueSender,
    /// Cancelled by a relay that finds the queue full.
    pub(super) cut: CancellationToken,
    /// Set once introduced (state INTRODUCED); leaves the room when dropped.
    pub(super) member: Option<Membership>,
    /// Bounds the files open in the queue.
    pub(super) files: Arc<Semaphore>,
    /// The `PUT` whose payload is arriving.
    pub(super) put: Option<Put>,
    /// `MSG`s relayed since this task last let the others run.
    pub(super) relays_since_yield: u32,
    /// Requests received, malformed ones included, for the closing log line.
    pub(super) requests: u64,
    /// The name this connection was introduced under, kept for the closing log line.
    pub(super) introduced_as: Option<Name>,
}

impl Session {
    /// A fresh connection (state CONNECTED) replying through `queue`.
    pub(super) fn new(
        id: u64,
        shared: Arc<Shared>,
        queue: QueueSender,
        cut: CancellationToken,
    ) -> Self {
        Session {
            id,
            shared,
            queue,
            cut,
            member: None,
            files: Arc::new(Semaphore::new(FILES_IN_FLIGHT)),
            put: None,
            relays_since_yield: 0,
            requests: 0,
            introduced_as: None,
        }
    }

    /// Reads and handles requests until the connection ends.
    pub(super) async fn run(
        &mut self,
        input: &mut OwnedReadHalf,
        shutdown: &CancellationToken,
        evict: &CancellationToken,
    ) -> End {
        let config = &self.shared.config;
        let idle = config.idle_timeout;
        let mut reader = MessageReader::new(PartCodec(PartDecoder::<ClientMessage>::new(
            config.limits(),
        )));
        loop {
            // Everything already received is handled before shutdown is looked at (FRAME-2).
            let next = match reader.decode_buffered() {
                Ok(None) => {
                    // Between requests only: an upload in flight may finish first.
                    let in_payload = reader.codec().0.payload_remaining().is_some();
                    tokio::select! {
                        next = reader.next(input, Some(idle)) => next,
                        () = shutdown.cancelled(), if !in_payload => {
                            return self.on_shutdown().await;
                        }
                        () = evict.cancelled(), if !in_payload => {
                            return self.on_evicted().await;
                        }
                    }
                }
                decoded => decoded,
            };
            let flow = match next {
                Ok(Some(Decoded::Message(part))) => self.on_part(part).await,
                Ok(Some(Decoded::Malformed(m))) => self.on_malformed(&m).await,
                // CONN-4: a clean end; an unfinished line or payload is `Truncated` below, and
                // a partial upload is removed when `self.put` is dropped.
                Ok(None) => return End::Eof { partial: false },
                Err(ReadError::Decode(e)) => self.on_decode_error(e).await,
                Err(ReadError::Io(e)) => return End::ReadFailed(e),
                Err(ReadError::TimedOut(_)) => return self.on_idle().await,
            };
            match flow {
                Ok(Some(end)) => return end,
                Ok(None) => {}
                Err(Gone) => return End::WriterGone,
            }
        }
    }

    /// ERR 400, and the connection goes on.
    async fn on_malformed(&mut self, m: &Malformed) -> Flow {
        self.requests += 1;
        debug!(conn = self.id, line = %wire::escape::escape(&m.line), "malformed: {m}");
        info!(conn = self.id, "malformed line -> ERR 400");
        self.err(ErrorCode::MALFORMED, m.kind.to_string()).await?;
        Ok(None)
    }

    /// A limit passed (ERR 413, then close), or the client closed inside a message.
    async fn on_decode_error(&mut self, e: DecodeError) -> Flow {
        match e {
            DecodeError::LineTooLong { limit, .. } => {
                info!(conn = self.id, "line too long -> ERR 413");
                let text = format!("line too long: over the {limit}-byte limit");
                self.close_with_err(text).await
            }
            DecodeError::PayloadTooLarge {
                announced, limit, ..
            } => {
                info!(
                    conn = self.id,
                    announced, "PUT over the upload limit -> ERR 413"
                );
                let text = format!("upload too large: {announced} bytes, limit {limit}");
                self.close_with_err(text).await
            }
            DecodeError::Truncated { .. } => Ok(Some(End::Eof { partial: true })),
        }
    }

    /// ERR 413 then close (LIMIT-2, PUT-2).
    async fn close_with_err(&mut self, message: String) -> Flow {
        self.requests += 1;
        self.member = None;
        self.err(ErrorCode::TOO_LARGE, message).await?;
        Ok(Some(End::TooLarge))
    }

    /// `BYE idle timeout` (LIMIT-5).
    async fn on_idle(&mut self) -> End {
        info!(
            conn = self.id,
            "idle for {:?} -> BYE", self.shared.config.idle_timeout
        );
        self.member = None;
        self.say_bye("idle timeout").await;
        End::Idle
    }

    /// `ERR 503`: the server is full and this connection, silent since it arrived, gives way.
    async fn on_evicted(&mut self) -> End {
        info!(
            conn = self.id,
            "no HELLO yet, server full -> ERR 503 (evicted)"
        );
        let _ = self
            .err(
                ErrorCode::BUSY,
                "server full: a connection that has not said HELLO gives way to a new one".into(),
            )
            .await;
        End::Evicted
    }

    /// `BYE server shutting down`.
    async fn on_shutdown(&mut self) -> End {
        self.say_bye("server shutting down").await;
        End::Shutdown
    }

    /// Queues `BYE <reason>`, the server's last message; a writer already gone is no matter.
    async fn say_bye(&self, reason: &str) {
        let _ = self.send(&ServerMessage::Bye(Some(text(reason)))).await;
    }

    /// Queues `ERR <code> <message>`.
    pub(super) async fn err(&mut self, code: ErrorCode, message: String) -> Result<(), Gone> {
        self.send(&err(code, message)).await
    }

    /// Queues a reply, waiting while this connection's own queue is full.
    pub(super) async fn send(&self, message: &ServerMessage) -> Result<(), Gone> {
        self.send_line(encode(message)).await
    }

    /// Queues an encoded reply, waiting while this connection's own queue is full.
    pub(super) async fn send_line(&self, line: Bytes) -> Result<(), Gone> {
        self.queue
            .send(Outgoing::Line(line))
            .await
            .map_err(|_| Gone)
    }
}
