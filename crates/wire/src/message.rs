use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use crate::fields::{ErrorCode, Name, PathArg, Text, Token};
use crate::grammar::{self, GrammarError, LineItem};

/// A message from client to server (`client-msg`, spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `HELLO <name>`: introduce yourself.
    Hello(Name),
    /// `MSG <text>`: a chat line for every other introduced client.
    Msg(Text),
    /// `GET <path>`: download a file.
    Get(PathArg),
    /// `PUT <path> <size>` then `size` bytes: upload a file.
    Put {
        /// Where to store it.
        path: PathArg,
        /// The file's bytes; their count is the announced size.
        payload: Bytes,
    },
    /// `PING [<token>]`: liveness and ordering barrier.
    Ping(Option<Token>),
    /// `BYE [<text>]`: leave.
    Bye(Option<Text>),
}

/// A message from server to client (`server-msg`, spec §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// `WELCOME <text>`: reply to `HELLO`.
    Welcome(Text),
    /// `OK [<text>]`: success reply to `MSG` and `PUT`.
    Ok(Option<Text>),
    /// `FROM <name> <text>`: a chat line relayed from another client.
    From {
        /// Its author.
        name: Name,
        /// The line.
        text: Text,
    },
    /// `FILE <size>` then `size` bytes: reply to `GET`.
    File(Bytes),
    /// `PONG [<token>]`: reply to `PING`, echoing its token.
    Pong(Option<Token>),
    /// `BYE [<text>]`: reply to `BYE`, or notice before a server-side close.
    Bye(Option<Text>),
    /// `ERR <code> <text>`: a refused request.
    Err {
        /// What kind of refusal (spec §7).
        code: ErrorCode,
        /// What was wrong, for a person.
        text: Text,
    },
}

/// The line of a `PUT` whose payload is handed out separately, by a [`crate::PartDecoder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutHeader {
    /// Where to store the upload.
    pub path: PathArg,
}

/// The line of a `FILE` whose payload is handed out separately, by a [`crate::PartDecoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader;

impl PutHeader {
    /// Writes `PUT <path> <size>\n`; exactly `size` payload bytes must follow.
    pub fn encode(&self, size: u64, dst: &mut BytesMut) {
        write_line(dst, format_args!("PUT {} {size}", self.path));
    }
}

impl FileHeader {
    /// Writes `FILE <size>\n`; exactly `size` payload bytes must follow.
    pub fn encode(&self, size: u64, dst: &mut BytesMut) {
        write_line(dst, format_args!("FILE {size}"));
    }
}

/// One side's messages: [`ClientMessage`] or [`ServerMessage`]. Sealed.
pub trait Message: Sized + Clone + fmt::Debug + fmt::Display + PartialEq + sealed::Sealed {
    /// The line of this side's payload-carrying message.
    type Header: Clone + fmt::Debug + PartialEq;
}

pub(crate) mod sealed {
    use super::*;

    /// The grammar hooks a decoder needs; private so the set of sides stays closed.
    pub trait Sealed: Sized {
        fn parse_line(
            line: &str,
        ) -> Result<LineItem<Self, <Self as Message>::Header>, GrammarError<'_>>
        where
            Self: Message;
        fn with_payload(head: <Self as Message>::Header, payload: Bytes) -> Self
        where
            Self: Message;
    }
}

impl Message for ClientMessage {
    type Header = PutHeader;
}

impl sealed::Sealed for ClientMessage {
    fn parse_line(line: &str) -> Result<LineItem<Self, PutHeader>, GrammarError<'_>> {
        grammar::client_line(line)
    }
    fn with_payload(head: PutHeader, payload: Bytes) -> Self {
        ClientMessage::Put {
            path: head.path,
            payload,
        }
    }
}

impl Message for ServerMessage {
    type Header = FileHeader;
}

impl sealed::Sealed for ServerMessage {
    fn parse_line(line: &str) -> Result<LineItem<Self, FileHeader>, GrammarError<'_>> {
        grammar::server_line(line)
    }
    fn with_payload(_: FileHeader, payload: Bytes) -> Self {
        ServerMessage::File(payload)
    }
}

/// Writes `[ SP value ]`.
struct Opt<'a, T>(&'a Option<T>);

impl<T: fmt::Display> fmt::Display for Opt<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, " {v}"),
            None => Ok(()),
        }
    }
}

/// The message's line, terminator and payload excluded: `PUT a.txt 5`.
impl fmt::Display for ClientMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientMessage::Hello(name) => write!(f, "HELLO {name}"),
            ClientMessage::Msg(text) => write!(f, "MSG {text}"),
            ClientMessage::Get(path) => write!(f, "GET {path}"),
            ClientMessage::Put { path, payload } => write!(f, "PUT {path} {}", payload.len()),
            ClientMessage::Ping(token) => write!(f, "PING{}", Opt(token)),
            ClientMessage::Bye(text) => write!(f, "BYE{}", Opt(text)),
        }
    }
}

/// The message's line, terminator and payload excluded: `FILE 11`.
impl fmt::Display for ServerMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerMessage::Welcome(text) => write!(f, "WELCOME {text}"),
            ServerMessage::Ok(text) => write!(f, "OK{}", Opt(text)),
            ServerMessage::From { name, text } => write!(f, "FROM {name} {text}"),
            ServerMessage::File(payload) => write!(f, "FILE {}", payload.len()),
            ServerMessage::Pong(token) => write!(f, "PONG{}", Opt(token)),
            ServerMessage::Bye(text) => write!(f, "BYE{}", Opt(text)),
            ServerMessage::Err { code, text } => write!(f, "ERR {code} {text}"),
        }
    }
}

impl ClientMessage {
    /// The payload that follows the line, if this message carries one.
    pub fn payload(&self) -> Option<&Bytes> {
        match self {
            ClientMessage::Put { payload, .. } => Some(payload),
            _ => None,
        }
    }
}

impl ServerMessage {
    /// The payload that follows the line, if this message carries one.
    pub fn payload(&self) -> Option<&Bytes> {
        match self {
            ServerMessage::File(payload) => Some(payload),
            _ => None,
        }
    }
}

/// Writes a line and its canonical terminator, LF.
pub(crate) fn write_line(dst: &mut BytesMut, line: impl fmt::Display) {
    use std::fmt::Write;
    // Writing to a BytesMut cannot fail: it grows as needed.
    let _ = write!(dst, "{line}");
    dst.put_u8(b'\n');
}
