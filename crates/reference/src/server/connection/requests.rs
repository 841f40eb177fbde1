//! The replies to requests without payload: `HELLO`, `MSG`, `GET`, `PING`, `BYE` (spec §4, §6).

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tracing::{info, warn};
use wire::{ClientMessage, ErrorCode, FileHeader, Name, Part, PathArg, ServerMessage, Text, Token};

use super::session::{Flow, Session};
use super::{End, Gone};

/// Relays a connection makes before it lets the other tasks (the recipients' writers) run. With
/// 100 authors bursting at once, a recipient's queue then takes at most 100 × 32 lines between
/// two runs of its writer: about 100 KB of short lines, well within the 1 MiB bound.
const RELAYS_PER_YIELD: u32 = 32;

/// `OK`, the reply to every relayed `MSG`: encoded once, for the life of the program.
const OK_LINE: &[u8] = b"OK\n";
use crate::server::files::FileError;
use crate::server::message::{HELLO_FIRST, encode, from_line, goodbye, welcome};
use crate::server::outbox::Outgoing;
use crate::server::room::Membership;

impl Session {
    /// Handles one decoded request or part of a `PUT`.
    pub(super) async fn on_part(&mut self, part: Part<ClientMessage>) -> Flow {
        match part {
            Part::Message(request) => {
                self.requests += 1;
                self.on_request(request).await
            }
            Part::PayloadStart { header, size } => {
                self.requests += 1;
                self.on_put_start(header.path, size).await;
                Ok(None)
            }
            Part::PayloadChunk(chunk) => {
                self.on_put_chunk(&chunk).await;
                Ok(None)
            }
            Part::PayloadEnd => self.on_put_end().await.map(|()| None),
        }
    }

    async fn on_request(&mut self, request: ClientMessage) -> Flow {
        match request {
            ClientMessage::Hello(name) => self.on_hello(name).await?,
            ClientMessage::Msg(line) => self.on_msg(line).await?,
            ClientMessage::Get(path) => self.on_get(path).await?,
            ClientMessage::Ping(token) => self.on_ping(token).await?,
            ClientMessage::Bye(_) => {
                // CONN-3: the name is free before the BYE reply is queued.
                self.member = None;
                info!(conn = self.id, "BYE -> BYE");
                self.send(&goodbye()).await?;
                return Ok(Some(End::Bye));
            }
            // A `PartDecoder` hands a `PUT` out as `PayloadStart`, never whole.
            ClientMessage::Put { path, payload } => {
                self.on_put_start(path, payload.len() as u64).await;
                self.on_put_chunk(&payload).await;
                self.on_put_end().await?;
            }
        }
        Ok(None)
    }

    async fn on_hello(&mut self, name: Name) -> Result<(), Gone> {
        if let Some(member) = &self.member {
            let holder = member.name().clone();
            info!(conn = self.id, %name, "HELLO while introduced -> ERR 409");
            return self
                .err(
                    ErrorCode::CONFLICT,
                    format!("already introduced as {holder}"),
                )
                .await;
        }
        // Room is reserved first, so the WELCOME can be queued under the room's lock.
        let welcome = encode(&welcome(&name));
        let permit = self.queue.reserve(welcome.len()).await.map_err(|_| Gone)?;
        let joined = Membership::join(
            &self.shared.room,
            &name,
            self.id,
            self.queue.clone(),
            self.cut.clone(),
            move || permit.send(Outgoing::Line(welcome)),
        );
        match joined {
            Ok(member) => {
                info!(conn = self.id, %name, "HELLO -> WELCOME");
                self.member = Some(member);
                self.introduced_as = Some(name);
                // Introduced: no longer a candidate for eviction when the server is full.
                self.shared.lobby.leave(self.id);
                Ok(())
            }
            Err(_) => {
                info!(conn = self.id, %name, "HELLO -> ERR 409 name in use");
                self.err(ErrorCode::CONFLICT, format!("name in use: {name}"))
                    .await
            }
        }
    }

    async fn on_msg(&mut self, line: Text) -> Result<(), Gone> {
        let Some(member) = &self.member else {
            info!(conn = self.id, "MSG before HELLO -> ERR 401");
            return self.hello_first().await;
        };
        let from = from_line(member.name(), &line);
        // CHAT-3: every FROM is queued before the author's OK.
        let relayed = member.relay(&from);
        info!(
            conn = self.id,
            delivered = relayed.delivered,
            cut = relayed.cut,
            "MSG -> OK"
        );
        self.send_line(Bytes::from_static(OK_LINE)).await?;
        // Relays fill every other queue: every few of them, let the writers run, so a burst of
        // pipelined lines does not outrun them (and overflow the queues of clients that do
        // read). Not after each one: a writer woken for a line or two makes a system call per
        // line or two.
        self.relays_since_yield += 1;
        if self.relays_since_yield >= RELAYS_PER_YIELD {
            self.relays_since_yield = 0;
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    async fn on_get(&mut self, path: PathArg) -> Result<(), Gone> {
        if self.member.is_none() {
            info!(conn = self.id, %path, "GET before HELLO -> ERR 401");
            return self.hello_first().await;
        }
        // Waits while FILES_IN_FLIGHT downloads are queued: reading pauses, TCP pushes back.
        let permit = Arc::clone(&self.files)
            .acquire_owned()
            .await
            .map_err(|_| Gone)?;
        match self.shared.root.open(path.as_str()).await {
            Ok(download) => {
                info!(conn = self.id, %path, size = download.size, "GET -> FILE");
                let mut header = BytesMut::new();
                FileHeader.encode(download.size, &mut header);
                let file = Outgoing::File {
                    header: header.freeze(),
                    download,
                    permit,
                };
                self.queue.send(file).await.map_err(|_| Gone)
            }
            Err(e) => {
                let (code, message) = self.file_error(&path, e);
                info!(conn = self.id, %path, "GET -> ERR {code}");
                self.err(code, message).await
            }
        }
    }

    async fn on_ping(&mut self, token: Option<Token>) -> Result<(), Gone> {
        info!(conn = self.id, "PING -> PONG");
        self.send(&ServerMessage::Pong(token)).await
    }

    /// The ERR code and text for a failed file operation.
    pub(super) fn file_error(&self, path: &PathArg, e: FileError) -> (ErrorCode, String) {
        match e {
            FileError::Refused(reason) => (
                ErrorCode::PATH_NOT_ALLOWED,
                format!("path not allowed: {path}: {reason}"),
            ),
            FileError::NotFound => (ErrorCode::NOT_FOUND, format!("no such file: {path}")),
            FileError::Io(e) => {
                warn!(conn = self.id, %path, error = %e, "file system error");
                (ErrorCode::INTERNAL, format!("internal error: {e}"))
            }
        }
    }

    /// ERR 401: a request that needs `HELLO` first.
    pub(super) async fn hello_first(&mut self) -> Result<(), Gone> {
        self.err(ErrorCode::HELLO_FIRST, HELLO_FIRST.into()).await
    }
}
