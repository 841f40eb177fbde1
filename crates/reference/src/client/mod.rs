//! A typed async client for socket-lab/1 over TCP ([`Client`]) and UDP ([`UdpClient`]).
//!
//! Each request method sends one request and reads until its reply, keeping the `FROM` lines
//! that arrive meanwhile (ORDER-5) for [`Client::take_chat`]. Downloads are written to any
//! [`AsyncWrite`](tokio::io::AsyncWrite) and uploads read from any
//! [`AsyncRead`](tokio::io::AsyncRead), a chunk at a time: memory does not
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

mod error;
mod inbox;
mod transfer;
mod udp;

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpStream, ToSocketAddrs};
use wire::{ClientMessage, Encode, Limits, Name, Part, ServerMessage, Text, Token};

pub use error::ClientError;
pub use udp::UdpClient;

use error::{refused, unexpected};
use inbox::Inbox;

/// What this client accepts from a server. A `FROM` line may be 34 octets over the server's
/// own line limit (spec §9.2) and servers may raise their limit, hence 64 KiB lines; a
/// download's size is checked against [`Client::set_max_file`] instead.
pub const SERVER_LIMITS: Limits = Limits {
    max_line: 64 * 1024,
    max_payload: u64::MAX,
};

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
    inbox: Inbox,
    output: OwnedWriteHalf,
    peer: SocketAddr,
    max_file: u64,
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
            inbox: Inbox::new(input),
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
        self.inbox.timeout = timeout;
    }

    /// Refuses downloads larger than `limit` octets (none by default): the connection is then
    /// unusable, since the payload was not read.
    pub fn set_max_file(&mut self, limit: u64) {
        self.max_file = limit;
    }

    /// `HELLO <name>`: returns the `WELCOME` text.
    pub async fn hello(&mut self, name: &Name) -> Result<Text, ClientError> {
        self.send(&ClientMessage::Hello(name.clone())).await?;
        match self.inbox.reply().await? {
            ServerMessage::Welcome(text) => Ok(text),
            other => Err(unexpected("WELCOME", &other)),
        }
    }

    /// `MSG <text>`: returns once the server has relayed it (its `OK`).
    pub async fn msg(&mut self, text: &Text) -> Result<(), ClientError> {
        self.send(&ClientMessage::Msg(text.clone())).await?;
        match self.inbox.reply().await? {
            ServerMessage::Ok(_) => Ok(()),
            other => Err(unexpected("OK", &other)),
        }
    }

    /// `PING [<token>]`: returns the round-trip time. The `PONG` must echo the token.
    pub async fn ping(&mut self, token: Option<&Token>) -> Result<Duration, ClientError> {
        let start = Instant::now();
        self.send(&ClientMessage::Ping(token.cloned())).await?;
        match self.inbox.reply().await? {
            ServerMessage::Pong(echo) if echo.as_ref() == token => Ok(start.elapsed()),
            other => Err(unexpected("PONG with the same token", &other)),
        }
    }

    /// `BYE [<text>]`: returns the server's `BYE` text. The server then closes the connection.
    pub async fn bye(mut self, text: Option<&Text>) -> Result<Option<Text>, ClientError> {
        self.send(&ClientMessage::Bye(text.cloned())).await?;
        match self.inbox.next_message().await? {
            ServerMessage::Bye(text) => Ok(text),
            ServerMessage::Err { code, text } => Err(refused(code, text)),
            other => Err(unexpected("BYE", &other)),
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
        if let Some(chat) = self.inbox.chat.pop_front() {
            return Ok(Event::Chat(chat));
        }
        match self.inbox.next_part().await? {
            Part::Message(ServerMessage::From { name, text }) => {
                Ok(Event::Chat(Chat { name, text }))
            }
            Part::Message(other) => Ok(Event::Reply(other)),
            Part::PayloadStart { size, .. } => {
                self.inbox.skip_payload().await?;
                Ok(Event::FileDiscarded(size))
            }
            _ => Err(ClientError::Protocol("payload without a FILE line".into())),
        }
    }

    /// The chat lines received while waiting for replies, oldest first.
    pub fn take_chat(&mut self) -> Vec<Chat> {
        self.inbox.chat.drain(..).collect()
    }
}
