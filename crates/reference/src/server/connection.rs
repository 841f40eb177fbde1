//! One TCP connection: the state machine of spec §6, from accept to close.
//!
//! Two tasks per connection. This one reads and decodes requests with a [`PartDecoder`], handles
//! them one after the other (ORDER-3) and queues each reply; the writer ([`super::outbox`])
//! drains the queue to the socket. `PUT` payloads arrive in chunks and go straight to a
//! temporary file, `GET` payloads are streamed by the writer from the open file: a connection's
//! memory does not depend on file sizes.
//!
//! How a connection ends, and what the client sees:
//!
//! | cause | last message | then |
//! |-------|--------------|------|
//! | `BYE` | `BYE goodbye` | FIN, input discarded briefly |
//! | line over the limit, `PUT` over the upload limit | `ERR 413 ...` | FIN, input discarded briefly |
//! | idle limit | `BYE idle timeout` | FIN, input discarded briefly |
//! | server shutdown (between requests) | `BYE server shutting down` | FIN, input discarded briefly |
//! | EOF from the client | replies to complete requests | FIN; partial request dropped |
//! | outgoing queue overflow (client does not read) | nothing more | socket dropped |
//!
//! "Discarded briefly": after its last message the server shuts down its sending side and reads
//! (and drops) input for up to [`LINGER`], so that closing with unread input does not reset the
//! connection before the client has read that last message (spec §7.3).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use wire::{
    ClientMessage, DecodeError, Decoded, Encode, ErrorCode, FileHeader, Name, Part, PartDecoder,
    PathArg, ServerMessage, Text, Token,
};

use super::files::{FileError, Root, Upload};
use super::outbox::{self, Outgoing};
use super::room::{Membership, Room};
use crate::config::Config;

/// Octets read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;
/// Files one connection may have open in its queue (pipelined `GET`s beyond wait).
const FILES_IN_FLIGHT: usize = 4;
/// How long input is read and dropped after the server's last message.
pub(crate) const LINGER: Duration = Duration::from_secs(2);

/// What every connection shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) root: Root,
    pub(crate) room: Arc<Room>,
    pub(crate) next_id: AtomicU64,
}

impl Shared {
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Why a connection ended.
#[derive(Debug)]
enum End {
    Bye,
    Eof {
        partial: bool,
    },
    Idle,
    TooLarge,
    Shutdown,
    ReadFailed(std::io::Error),
    /// The writer stopped: the client reset, stalled, or a file could not be sent whole.
    WriterGone,
    /// The outgoing queue overflowed.
    Cut,
}

impl End {
    /// The server spoke last and may have unread input: shut down writing, then linger.
    fn lingers(&self) -> bool {
        matches!(self, End::Bye | End::Idle | End::TooLarge | End::Shutdown)
    }

    fn describe(&self) -> String {
        match self {
            End::Bye => "client said BYE".into(),
            End::Eof { partial: false } => "client closed".into(),
            End::Eof { partial: true } => "client closed mid-request (discarded)".into(),
            End::Idle => "idle timeout".into(),
            End::TooLarge => "over a size limit (413)".into(),
            End::Shutdown => "server shutting down".into(),
            End::ReadFailed(e) => format!("read failed: {e}"),
            End::WriterGone => "write side failed".into(),
            End::Cut => "outgoing queue full: client does not read".into(),
        }
    }
}

/// The writer task is gone: nothing more can be sent.
#[derive(Debug)]
struct Gone;

/// Serves one accepted connection to its end. `slot` is its place under the connection limit:
/// the writer holds it and frees it just before it sends the FIN, or when it fails or is
/// aborted, so a client that has read the FIN knows the slot is free (CONN-8). Lingering after
/// the FIN takes no slot.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    slot: OwnedSemaphorePermit,
) {
    let id = shared.next_id();
    let started = Instant::now();
    debug!(conn = id, %peer, "accepted");
    // Replies are small and must not wait for more: no Nagle delay.
    let _ = stream.set_nodelay(true);
    let (mut input, output) = stream.into_split();
    let (queue, outgoing) = mpsc::channel(shared.config.queue_capacity);
    let cut = CancellationToken::new();
    let mut writer = tokio::spawn(outbox::write_queue(
        output,
        outgoing,
        shared.config.idle_timeout,
        slot,
    ));
    let mut session = Session {
        id,
        shared,
        queue,
        cut: cut.clone(),
        member: None,
        files: Arc::new(Semaphore::new(FILES_IN_FLIGHT)),
        put: None,
        requests: 0,
        introduced_as: None,
    };
    let mut writer_done = None;
    let end = tokio::select! {
        end = session.run(&mut input, &shutdown) => end,
        () = cut.cancelled() => End::Cut,
        result = &mut writer => {
            writer_done = Some(result);
            End::WriterGone
        }
    };
    let name = session.introduced_as.take();
    let requests = session.requests;
    // Leaves the room, drops the queue's last sender and any partial upload.
    drop(session);
    let written = match (&end, writer_done) {
        (End::Cut, _) => {
            writer.abort();
            None
        }
        (_, Some(result)) => Some(result),
        (_, None) => Some(writer.await),
    };
    let written = match written {
        Some(Ok(Ok(w))) => Some(w),
        Some(Ok(Err(e))) => {
            debug!(conn = id, error = %e, "writer stopped");
            None
        }
        Some(Err(e)) if e.is_panic() => {
            warn!(conn = id, error = %e, "writer panicked");
            None
        }
        _ => None,
    };
    if end.lingers() && written.is_some() {
        linger(&mut input).await;
    }
    info!(
        conn = id,
        %peer,
        name = name.as_ref().map_or("-", Name::as_str),
        requests,
        sent_bytes = written.map_or(0, |w| w.bytes),
        secs = format_args!("{:.3}", started.elapsed().as_secs_f64()),
        "closed: {}",
        end.describe()
    );
}

/// Reads and drops input until EOF or [`LINGER`].
pub(crate) async fn linger(input: &mut (impl AsyncReadExt + Unpin)) {
    let mut sink = vec![0u8; 16 * 1024];
    let _ = tokio::time::timeout(LINGER, async {
        while matches!(input.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// The request side of one connection.
#[derive(Debug)]
struct Session {
    id: u64,
    shared: Arc<Shared>,
    /// This connection's outgoing queue.
    queue: mpsc::Sender<Outgoing>,
    /// Cancelled by a relay that finds the queue full.
    cut: CancellationToken,
    /// Set once introduced (state INTRODUCED); leaves the room when dropped.
    member: Option<Membership>,
    /// Bounds the files open in the queue.
    files: Arc<Semaphore>,
    /// The `PUT` whose payload is arriving.
    put: Option<Put>,
    requests: u64,
    /// The name this connection was introduced under, kept for the closing log line.
    introduced_as: Option<Name>,
}

/// A `PUT` between its line and the end of its payload.
#[derive(Debug)]
struct Put {
    path: PathArg,
    size: u64,
    sink: Sink,
}

/// Where the payload of a `PUT` goes: to disk, or nowhere because the reply is already known
/// (PUT-4: it is consumed all the same).
#[derive(Debug)]
enum Sink {
    Store(Upload),
    Refuse(ErrorCode, String),
}

impl Session {
    async fn run(&mut self, input: &mut OwnedReadHalf, shutdown: &CancellationToken) -> End {
        let config = &self.shared.config;
        let idle = config.idle_timeout;
        let mut decoder = PartDecoder::<ClientMessage>::new(config.limits());
        let mut buf = BytesMut::with_capacity(READ_CHUNK);
        loop {
            // Everything already received is handled before reading more (FRAME-2).
            let decoded = decoder.decode(&mut buf);
            let need_more = matches!(decoded, Ok(None));
            let flow = match decoded {
                Ok(Some(Decoded::Message(part))) => self.on_part(part).await,
                Ok(Some(Decoded::Malformed(m))) => {
                    self.requests += 1;
                    debug!(conn = self.id, line = %wire::escape::escape(&m.line), "malformed: {m}");
                    info!(conn = self.id, "malformed line -> ERR 400");
                    self.err(ErrorCode::MALFORMED, m.kind.to_string())
                        .await
                        .map(|()| None)
                }
                Ok(None) => Ok(None),
                Err(DecodeError::LineTooLong { limit, .. }) => {
                    info!(conn = self.id, "line too long -> ERR 413");
                    let text = format!("line too long: over the {limit}-byte limit");
                    self.close_with_err(text).await
                }
                Err(DecodeError::PayloadTooLarge {
                    announced, limit, ..
                }) => {
                    info!(
                        conn = self.id,
                        announced, "PUT over the upload limit -> ERR 413"
                    );
                    let text = format!("upload too large: {announced} bytes, limit {limit}");
                    self.close_with_err(text).await
                }
                // Only `decode_eof` reports truncation; it is not called.
                Err(DecodeError::Truncated { .. }) => Ok(Some(End::Eof { partial: true })),
            };
            match flow {
                Ok(Some(end)) => return end,
                Err(Gone) => return End::WriterGone,
                Ok(None) if !need_more => continue,
                Ok(None) => {}
            }
            // The buffer holds no complete message: read more.
            let in_payload = decoder.payload_remaining().is_some();
            buf.reserve(READ_CHUNK);
            let read = tokio::select! {
                read = tokio::time::timeout(idle, input.read_buf(&mut buf)) => read,
                // Between requests only: an upload in flight may finish first.
                () = shutdown.cancelled(), if !in_payload => {
                    let _ = self.send(&ServerMessage::Bye(Some(text("server shutting down")))).await;
                    return End::Shutdown;
                }
            };
            match read {
                Ok(Ok(0)) => {
                    // CONN-4: an unfinished line or payload is dropped without reply; a partial
                    // upload is removed when `self.put` is dropped.
                    return End::Eof {
                        partial: !buf.is_empty() || in_payload,
                    };
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return End::ReadFailed(e),
                Err(_elapsed) => {
                    info!(conn = self.id, "idle for {idle:?} -> BYE");
                    self.member = None;
                    let _ = self
                        .send(&ServerMessage::Bye(Some(text("idle timeout"))))
                        .await;
                    return End::Idle;
                }
            }
        }
    }

    /// ERR 413 then close (LIMIT-2, PUT-2).
    async fn close_with_err(&mut self, message: String) -> Result<Option<End>, Gone> {
        self.requests += 1;
        self.member = None;
        self.err(ErrorCode::TOO_LARGE, message).await?;
        Ok(Some(End::TooLarge))
    }

    async fn on_part(&mut self, part: Part<ClientMessage>) -> Result<Option<End>, Gone> {
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

    async fn on_request(&mut self, request: ClientMessage) -> Result<Option<End>, Gone> {
        match request {
            ClientMessage::Hello(name) => self.on_hello(name).await?,
            ClientMessage::Msg(line) => self.on_msg(line).await?,
            ClientMessage::Get(path) => self.on_get(path).await?,
            ClientMessage::Ping(token) => self.on_ping(token).await?,
            ClientMessage::Bye(_) => {
                // CONN-3: the name is free before the BYE reply is queued.
                self.member = None;
                info!(conn = self.id, "BYE -> BYE");
                self.send(&ServerMessage::Bye(Some(text("goodbye"))))
                    .await?;
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
        // A slot is reserved first, so the WELCOME can be queued under the room's lock.
        let permit = self.queue.reserve().await.map_err(|_| Gone)?;
        let welcome = encode(&ServerMessage::Welcome(text(format!("hello {name}"))));
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
        let from = encode(&ServerMessage::From {
            name: member.name().clone(),
            text: line,
        });
        // CHAT-3: every FROM is queued before the author's OK.
        let relayed = member.relay(&from);
        info!(
            conn = self.id,
            delivered = relayed.delivered,
            cut = relayed.cut,
            "MSG -> OK"
        );
        self.send(&ServerMessage::Ok(None)).await?;
        // One relay fills every other queue: let their writers run before the next one, so a
        // burst of pipelined lines does not outrun them (and overflow the queues of clients
        // that do read).
        tokio::task::yield_now().await;
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

    async fn on_put_start(&mut self, path: PathArg, size: u64) {
        let sink = if self.member.is_none() {
            Sink::Refuse(ErrorCode::HELLO_FIRST, "say HELLO first".into())
        } else {
            match self.shared.root.upload(path.as_str()).await {
                Ok(upload) => Sink::Store(upload),
                Err(e) => {
                    let (code, message) = self.file_error(&path, e);
                    Sink::Refuse(code, message)
                }
            }
        };
        debug!(conn = self.id, %path, size, "PUT started");
        self.put = Some(Put { path, size, sink });
    }

    async fn on_put_chunk(&mut self, chunk: &[u8]) {
        let Some(put) = &mut self.put else { return };
        let Sink::Store(upload) = &mut put.sink else {
            return;
        };
        if let Err(e) = upload.write(chunk).await {
            warn!(conn = self.id, path = %put.path, error = %e, "cannot store upload");
            // Dropping the upload removes its temporary file; the rest is discarded.
            put.sink = Sink::Refuse(ErrorCode::INTERNAL, format!("internal error: {e}"));
        }
    }

    async fn on_put_end(&mut self) -> Result<(), Gone> {
        let Some(Put { path, size, sink }) = self.put.take() else {
            return Ok(());
        };
        let (code, message) = match sink {
            Sink::Store(upload) => match upload.commit().await {
                Ok(()) => {
                    info!(conn = self.id, %path, size, "PUT -> OK");
                    let ok = ServerMessage::Ok(Some(text(format!("stored {path}"))));
                    return self.send(&ok).await;
                }
                Err(e) => {
                    warn!(conn = self.id, %path, error = %e, "cannot store upload");
                    (ErrorCode::INTERNAL, format!("internal error: {e}"))
                }
            },
            Sink::Refuse(code, message) => (code, message),
        };
        info!(conn = self.id, %path, size, "PUT -> ERR {code}");
        self.err(code, message).await
    }

    /// The ERR code and text for a failed file operation.
    fn file_error(&self, path: &PathArg, e: FileError) -> (ErrorCode, String) {
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

    async fn hello_first(&mut self) -> Result<(), Gone> {
        self.err(ErrorCode::HELLO_FIRST, "say HELLO first".into())
            .await
    }

    async fn err(&mut self, code: ErrorCode, message: String) -> Result<(), Gone> {
        self.send(&ServerMessage::Err {
            code,
            text: text(message),
        })
        .await
    }

    /// Queues a reply, waiting while this connection's own queue is full.
    async fn send(&self, message: &ServerMessage) -> Result<(), Gone> {
        self.queue
            .send(Outgoing::Line(encode(message)))
            .await
            .map_err(|_| Gone)
    }
}

/// The wire bytes of a message.
pub(crate) fn encode(message: &ServerMessage) -> Bytes {
    let mut buf = BytesMut::new();
    message.encode(&mut buf);
    buf.freeze()
}

/// A `text` field from any string: control characters become `?`, leading spaces go.
pub(crate) fn text(s: impl Into<String>) -> Text {
    let s: String = s.into();
    let clean: String = s
        .trim_start_matches(' ')
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    Text::new(clean).unwrap_or_else(|_| Text::new("-").expect("`-` is a valid text"))
}
