//! A typed async client for socket-lab/1 over TCP ([`Client`]) and UDP ([`UdpClient`]).
//!
//! Each request method sends one request and reads until its reply, keeping the `FROM` lines
//! that arrive meanwhile (ORDER-5) for [`Client::take_chat`]. Downloads are written to any
//! [`AsyncWrite`] and uploads read from any [`AsyncRead`], a chunk at a time: memory does not
//! grow with the file.
//!
//! ```no_run
//! # async fn demo() -> Result<(), reference::client::ClientError> {
//! use reference::client::Client;
//! use wire::{Name, PathArg};
//!
//! let mut client = Client::connect("127.0.0.1:1234").await?;
//! client.hello(&Name::new("alice").expect("valid name")).await?;
//! let mut out = Vec::new();
//! let size = client
//!     .get(&PathArg::new("docs/readme.txt").expect("valid path"), &mut out, &mut |_| {})
//!     .await?;
//! assert_eq!(size as usize, out.len());
//! client.bye(None).await?;
//! # Ok(()) }
//! ```

mod udp;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpStream, ToSocketAddrs};
use wire::{
    ClientMessage, Decoded, Encode, ErrorCode, Limits, Name, Part, PartDecoder, PathArg, PutHeader,
    ServerMessage, Text, Token,
};

pub use udp::UdpClient;

/// Octets read from the socket at a time.
const READ_CHUNK: usize = 256 * 1024;
/// Upload chunk size.
const WRITE_CHUNK: usize = 64 * 1024;
/// `FROM` lines kept while no one takes them; older ones are dropped beyond this.
const MAX_KEPT_CHAT: usize = 10_000;
/// Longest server line accepted: a `FROM` may be 34 octets over the server's own line limit
/// (spec §9.2), and servers may raise their limit.
const MAX_SERVER_LINE: usize = 64 * 1024;

/// What can go wrong talking to a server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection could be made.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address tried.
        addr: String,
        /// Why it failed.
        source: io::Error,
    },
    /// The server refused the connection as busy (`ERR 503`, ERR-5).
    #[error("server busy: {0}")]
    Busy(Text),
    /// The server answered the request with `ERR`.
    #[error("server replied ERR {code} {text}")]
    Refused {
        /// The error code.
        code: ErrorCode,
        /// The server's explanation.
        text: Text,
    },
    /// The server ended the session with `BYE` (idle timeout, shutdown) instead of replying.
    #[error("server ended the session{}", .0.as_ref().map(|t| format!(": {t}")).unwrap_or_default())]
    Ended(Option<Text>),
    /// The server closed the connection where a reply was due.
    #[error("server closed the connection")]
    Closed,
    /// The server sent something the protocol does not allow (SYNTAX-8, FRAME-7).
    #[error("protocol violation by the server: {0}")]
    Protocol(String),
    /// The network failed.
    #[error("connection failed: {0}")]
    Io(#[source] io::Error),
    /// No reply within the client's timeout.
    #[error("no answer from the server within {0:?}")]
    Timeout(Duration),
    /// Reading the file to upload or writing the download failed.
    #[error("local file: {0}")]
    Local(#[source] io::Error),
    /// A download announced more than the client accepts.
    #[error("the server announced a {size}-byte file, over this client's {limit}-byte limit")]
    TooLarge {
        /// Announced size.
        size: u64,
        /// The client's limit.
        limit: u64,
    },
}

/// A chat line relayed by the server: `FROM <name> <text>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Its author.
    pub name: Name,
    /// The line.
    pub text: Text,
}

/// What arrives from the server: a chat line or the reply to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A `FROM` line.
    Chat(Chat),
    /// A reply other than `FILE`.
    Reply(ServerMessage),
    /// A `FILE` reply of this many octets, read and discarded by [`Client::next_event`]; use
    /// [`Client::get`] to keep a download.
    FileDiscarded(u64),
}

/// A TCP connection to a socket-lab/1 server.
#[derive(Debug)]
pub struct Client {
    reader: Reader,
    output: OwnedWriteHalf,
    peer: SocketAddr,
    max_file: u64,
}

/// The receiving half: the socket, its buffer and decoder, and the chat lines set aside.
#[derive(Debug)]
struct Reader {
    input: OwnedReadHalf,
    buf: BytesMut,
    decoder: PartDecoder<ServerMessage>,
    chat: VecDeque<Chat>,
    timeout: Option<Duration>,
}

impl Client {
    /// Connects to `addr`.
    pub async fn connect(
        addr: impl ToSocketAddrs + std::fmt::Display,
    ) -> Result<Self, ClientError> {
        let shown = addr.to_string();
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| ClientError::Connect {
                addr: shown.clone(),
                source,
            })?;
        Self::from_stream(stream).map_err(|source| ClientError::Connect {
            addr: shown,
            source,
        })
    }

    /// Wraps a connected stream.
    pub fn from_stream(stream: TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        let peer = stream.peer_addr()?;
        let (input, output) = stream.into_split();
        Ok(Client {
            reader: Reader {
                input,
                buf: BytesMut::with_capacity(READ_CHUNK),
                decoder: PartDecoder::new(Limits {
                    max_line: MAX_SERVER_LINE,
                    max_payload: u64::MAX,
                }),
                chat: VecDeque::new(),
                timeout: None,
            },
            output,
            peer,
            max_file: u64::MAX,
        })
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// Fails a request whose server stays silent for `timeout` (none by default). During a
    /// transfer, it bounds each read, not the whole transfer.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.reader.timeout = timeout;
    }

    /// Refuses downloads larger than `limit` octets (none by default): the connection is then
    /// unusable, since the payload was not read.
    pub fn set_max_file(&mut self, limit: u64) {
        self.max_file = limit;
    }

    /// `HELLO <name>`: returns the `WELCOME` text.
    pub async fn hello(&mut self, name: &Name) -> Result<Text, ClientError> {
        self.send(&ClientMessage::Hello(name.clone())).await?;
        match self.reader.reply().await? {
            ServerMessage::Welcome(text) => Ok(text),
            other => Err(unexpected("WELCOME", &other)),
        }
    }

    /// `MSG <text>`: returns once the server has relayed it (its `OK`).
    pub async fn msg(&mut self, text: &Text) -> Result<(), ClientError> {
        self.send(&ClientMessage::Msg(text.clone())).await?;
        match self.reader.reply().await? {
            ServerMessage::Ok(_) => Ok(()),
            other => Err(unexpected("OK", &other)),
        }
    }

    /// `PING [<token>]`: returns the round-trip time. The `PONG` must echo the token.
    pub async fn ping(&mut self, token: Option<&Token>) -> Result<Duration, ClientError> {
        let start = Instant::now();
        self.send(&ClientMessage::Ping(token.cloned())).await?;
        match self.reader.reply().await? {
            ServerMessage::Pong(echo) if echo.as_ref() == token => Ok(start.elapsed()),
            other => Err(unexpected("PONG with the same token", &other)),
        }
    }

    /// `BYE [<text>]`: returns the server's `BYE` text. The server then closes the connection.
    pub async fn bye(mut self, text: Option<&Text>) -> Result<Option<Text>, ClientError> {
        self.send(&ClientMessage::Bye(text.cloned())).await?;
        match self.reader.next_message().await? {
            ServerMessage::Bye(text) => Ok(text),
            ServerMessage::Err { code, text } => Err(refused(code, text)),
            other => Err(unexpected("BYE", &other)),
        }
    }

    /// `GET <path>`: streams the file into `out` and returns its size. `progress` is called
    /// with the octets received so far: 0 once the `FILE` line is read, then after each chunk.
    pub async fn get<W: AsyncWrite + Unpin>(
        &mut self,
        path: &PathArg,
        out: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ClientError> {
        self.get_with_size(path, out, &mut |_| {}, progress).await
    }

    /// Like [`Client::get`], also calling `on_size` with the announced size before any payload.
    pub async fn get_with_size<W: AsyncWrite + Unpin>(
        &mut self,
        path: &PathArg,
        out: &mut W,
        on_size: &mut dyn FnMut(u64),
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ClientError> {
        self.send(&ClientMessage::Get(path.clone())).await?;
        let size = match self.reader.next_reply().await? {
            Part::PayloadStart { size, .. } => size,
            Part::Message(ServerMessage::Err { code, text }) => return Err(refused(code, text)),
            Part::Message(other) => return Err(unexpected("FILE", &other)),
            _ => return Err(ClientError::Protocol("payload without a FILE line".into())),
        };
        if size > self.max_file {
            return Err(ClientError::TooLarge {
                size,
                limit: self.max_file,
            });
        }
        on_size(size);
        progress(0);
        let mut received = 0u64;
        loop {
            match self.reader.next_part().await? {
                Part::PayloadChunk(chunk) => {
                    out.write_all(&chunk).await.map_err(ClientError::Local)?;
                    received += chunk.len() as u64;
                    progress(received);
                }
                Part::PayloadEnd => break,
                _ => return Err(ClientError::Protocol("FILE payload interrupted".into())),
            }
        }
        out.flush().await.map_err(ClientError::Local)?;
        Ok(size)
    }

    /// `PUT <path> <size>`: sends exactly `size` octets read from `input` (PUT-8) and returns
    /// the `OK` text. Replies that come before the payload is sent (for example `ERR 413`) are
    /// read while sending. `progress` is called with the octets sent so far.
    pub async fn put<R: AsyncRead + Unpin>(
        &mut self,
        path: &PathArg,
        size: u64,
        input: &mut R,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Option<Text>, ClientError> {
        let Client { reader, output, .. } = self;
        let mut line = BytesMut::new();
        PutHeader { path: path.clone() }.encode(size, &mut line);
        let upload = send_payload(output, line, size, input, progress);
        let reply = reader.reply();
        tokio::pin!(upload, reply);
        let reply = tokio::select! {
            sent = &mut upload => match sent {
                Ok(()) => reply.await,
                // The server may have replied and closed (ERR 413): prefer its reason.
                Err(ClientError::Io(e)) => match reply.await {
                    Err(refusal @ ClientError::Refused { .. }) => return Err(refusal),
                    _ => return Err(ClientError::Io(e)),
                },
                Err(e) => return Err(e),
            },
            early = &mut reply => {
                match &early {
                    // The server closes after 413: sending the rest is pointless.
                    Err(ClientError::Refused { code, .. }) if *code == ErrorCode::TOO_LARGE => {}
                    // The connection is gone.
                    Err(ClientError::Closed | ClientError::Io(_) | ClientError::Busy(_)) => {}
                    // Otherwise the payload is still owed, whatever the reply (PUT-4).
                    _ => upload.await?,
                }
                early
            }
        }?;
        match reply {
            ServerMessage::Ok(text) => Ok(text),
            other => Err(unexpected("OK", &other)),
        }
    }

    /// Sends one request without waiting for its reply (pipelining). Not for `PUT`: use
    /// [`Client::put`].
    pub async fn send(&mut self, request: &ClientMessage) -> Result<(), ClientError> {
        let mut buf = BytesMut::new();
        request.encode(&mut buf);
        self.output.write_all(&buf).await.map_err(ClientError::Io)
    }

    /// The next event: a chat line set aside earlier, else the next message from the server.
    pub async fn next_event(&mut self) -> Result<Event, ClientError> {
        if let Some(chat) = self.reader.chat.pop_front() {
            return Ok(Event::Chat(chat));
        }
        match self.reader.next_part().await? {
            Part::Message(ServerMessage::From { name, text }) => {
                Ok(Event::Chat(Chat { name, text }))
            }
            Part::Message(other) => Ok(Event::Reply(other)),
            Part::PayloadStart { size, .. } => {
                loop {
                    match self.reader.next_part().await? {
                        Part::PayloadChunk(_) => {}
                        Part::PayloadEnd => break,
                        _ => return Err(ClientError::Protocol("FILE payload interrupted".into())),
                    }
                }
                Ok(Event::FileDiscarded(size))
            }
            _ => Err(ClientError::Protocol("payload without a FILE line".into())),
        }
    }

    /// The chat lines received while waiting for replies, oldest first.
    pub fn take_chat(&mut self) -> Vec<Chat> {
        self.reader.chat.drain(..).collect()
    }
}

/// Writes the `PUT` line, then exactly `size` octets of `input`.
async fn send_payload<R: AsyncRead + Unpin>(
    output: &mut OwnedWriteHalf,
    line: BytesMut,
    size: u64,
    input: &mut R,
    progress: &mut dyn FnMut(u64),
) -> Result<(), ClientError> {
    output.write_all(&line).await.map_err(ClientError::Io)?;
    let mut buf = vec![0u8; WRITE_CHUNK];
    let mut sent = 0u64;
    progress(0);
    while sent < size {
        let want = usize::try_from(size - sent).map_or(WRITE_CHUNK, |left| left.min(WRITE_CHUNK));
        let n = input
            .read(&mut buf[..want])
            .await
            .map_err(ClientError::Local)?;
        if n == 0 {
            // The announced octets cannot all be sent: the connection is no longer framed.
            return Err(ClientError::Local(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("input ended after {sent} of the {size} bytes announced"),
            )));
        }
        output.write_all(&buf[..n]).await.map_err(ClientError::Io)?;
        sent += n as u64;
        progress(sent);
    }
    Ok(())
}

impl Reader {
    /// The next message part from the server, reading as needed.
    async fn next_part(&mut self) -> Result<Part<ServerMessage>, ClientError> {
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(Decoded::Message(part))) => return Ok(part),
                Ok(Some(Decoded::Malformed(m))) => {
                    return Err(ClientError::Protocol(format!(
                        "malformed line `{}`: {m}",
                        wire::escape::escape(&m.line)
                    )));
                }
                Ok(None) => {}
                Err(e) => return Err(ClientError::Protocol(e.to_string())),
            }
            self.buf.reserve(READ_CHUNK);
            let read = self.input.read_buf(&mut self.buf);
            let n = match self.timeout {
                Some(limit) => tokio::time::timeout(limit, read)
                    .await
                    .map_err(|_| ClientError::Timeout(limit))?,
                None => read.await,
            }
            .map_err(ClientError::Io)?;
            if n == 0 {
                return match self.decoder.decode_eof(&mut self.buf) {
                    Ok(Some(Decoded::Message(part))) => Ok(part),
                    Ok(_) => Err(ClientError::Closed),
                    Err(e) => Err(ClientError::Protocol(e.to_string())),
                };
            }
        }
    }

    /// The next part that is not a `FROM` line; those are set aside.
    async fn next_reply(&mut self) -> Result<Part<ServerMessage>, ClientError> {
        loop {
            match self.next_part().await? {
                Part::Message(ServerMessage::From { name, text }) => {
                    if self.chat.len() == MAX_KEPT_CHAT {
                        self.chat.pop_front();
                    }
                    self.chat.push_back(Chat { name, text });
                }
                Part::Message(ServerMessage::Err { code, text }) if code == ErrorCode::BUSY => {
                    return Err(ClientError::Busy(text));
                }
                Part::Message(ServerMessage::Bye(text)) => return Err(ClientError::Ended(text)),
                part => return Ok(part),
            }
        }
    }

    /// The next reply without payload; `ERR` becomes [`ClientError::Refused`].
    async fn reply(&mut self) -> Result<ServerMessage, ClientError> {
        match self.next_reply().await? {
            Part::Message(ServerMessage::Err { code, text }) => Err(refused(code, text)),
            Part::Message(message) => Ok(message),
            _ => Err(ClientError::Protocol("unexpected FILE reply".into())),
        }
    }

    /// The next message, `BYE` included (for [`Client::bye`]).
    async fn next_message(&mut self) -> Result<ServerMessage, ClientError> {
        loop {
            match self.next_part().await? {
                Part::Message(ServerMessage::From { name, text }) => {
                    self.chat.push_back(Chat { name, text });
                }
                Part::Message(message) => return Ok(message),
                _ => return Err(ClientError::Protocol("unexpected FILE reply".into())),
            }
        }
    }
}

fn refused(code: ErrorCode, text: Text) -> ClientError {
    if code == ErrorCode::BUSY {
        ClientError::Busy(text)
    } else {
        ClientError::Refused { code, text }
    }
}

fn unexpected(expected: &str, got: &ServerMessage) -> ClientError {
    match got {
        ServerMessage::Err { code, text } => refused(*code, text.clone()),
        other => ClientError::Protocol(format!("expected {expected}, got `{other}`")),
    }
}
