//! The messages of each side, as values: what the grammar produces and the encoder writes.

use std::borrow::Cow;
use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use crate::fields::{ErrorCode, Name, PathArg, Text, Token};
use crate::malformed::Field;
use crate::verb::{ClientVerb, ServerVerb};

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
    /// The message's verb.
    pub fn verb(&self) -> ClientVerb {
        match self {
            ClientMessage::Hello(_) => ClientVerb::Hello,
            ClientMessage::Msg(_) => ClientVerb::Msg,
            ClientMessage::Get(_) => ClientVerb::Get,
            ClientMessage::Put { .. } => ClientVerb::Put,
            ClientMessage::Ping(_) => ClientVerb::Ping,
            ClientMessage::Bye(_) => ClientVerb::Bye,
        }
    }

    /// The value of a field of the line, as written; `None` when the verb has no such field or
    /// an optional one was left out.
    pub fn field(&self, field: Field) -> Option<Cow<'_, str>> {
        use ClientMessage as C;
        match (self, field) {
            (C::Hello(name), Field::Name) => Some(name.as_str().into()),
            (C::Msg(text), Field::Text) | (C::Bye(Some(text)), Field::Text) => {
                Some(text.as_str().into())
            }
            (C::Get(path) | C::Put { path, .. }, Field::Path) => Some(path.as_str().into()),
            (C::Put { payload, .. }, Field::Size) => Some(payload.len().to_string().into()),
            (C::Ping(Some(token)), Field::Token) => Some(token.as_str().into()),
            _ => None,
        }
    }

    /// The payload that follows the line, if this message carries one.
    pub fn payload(&self) -> Option<&Bytes> {
        match self {
            ClientMessage::Put { payload, .. } => Some(payload),
            _ => None,
        }
    }
}

impl ServerMessage {
    /// The message's verb.
    pub fn verb(&self) -> ServerVerb {
        match self {
            ServerMessage::Welcome(_) => ServerVerb::Welcome,
            ServerMessage::Ok(_) => ServerVerb::Ok,
            ServerMessage::From { .. } => ServerVerb::From,
            ServerMessage::File(_) => ServerVerb::File,
            ServerMessage::Pong(_) => ServerVerb::Pong,
            ServerMessage::Bye(_) => ServerVerb::Bye,
            ServerMessage::Err { .. } => ServerVerb::Err,
        }
    }

    /// The value of a field of the line, as written; `None` when the verb has no such field or
    /// an optional one was left out.
    pub fn field(&self, field: Field) -> Option<Cow<'_, str>> {
        use ServerMessage as S;
        match (self, field) {
            (S::Welcome(text), Field::Text)
            | (S::Ok(Some(text)) | S::Bye(Some(text)), Field::Text)
            | (S::From { text, .. } | S::Err { text, .. }, Field::Text) => {
                Some(text.as_str().into())
            }
            (S::From { name, .. }, Field::Name) => Some(name.as_str().into()),
            (S::File(payload), Field::Size) => Some(payload.len().to_string().into()),
            (S::Pong(Some(token)), Field::Token) => Some(token.as_str().into()),
            (S::Err { code, .. }, Field::Code) => Some(code.to_string().into()),
            _ => None,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_and_fields_by_name() {
        let err = ServerMessage::Err {
            code: ErrorCode::NOT_FOUND,
            text: Text::new("no such file").unwrap(),
        };
        assert_eq!(err.verb(), ServerVerb::Err);
        assert_eq!(err.field(Field::Code).as_deref(), Some("404"));
        assert_eq!(err.field(Field::Text).as_deref(), Some("no such file"));
        assert_eq!(err.field(Field::Name), None);
        let pong = ServerMessage::Pong(None);
        assert_eq!(pong.field(Field::Token), None);
        let file = ServerMessage::File(Bytes::from_static(b"abc"));
        assert_eq!(file.field(Field::Size).as_deref(), Some("3"));
        // Every field a message answers is one its verb declares.
        for m in [err, pong, file] {
            for f in [
                Field::Name,
                Field::Text,
                Field::Path,
                Field::Size,
                Field::Token,
                Field::Code,
            ] {
                if m.field(f).is_some() {
                    assert!(m.verb().fields().contains(&f), "{m} {f}");
                }
            }
        }
        let put = ClientMessage::Put {
            path: PathArg::new("a.txt").unwrap(),
            payload: Bytes::from_static(b"hi"),
        };
        assert_eq!(put.verb(), ClientVerb::Put);
        assert_eq!(put.field(Field::Path).as_deref(), Some("a.txt"));
        assert_eq!(put.field(Field::Size).as_deref(), Some("2"));
    }
}
