//! Server messages as the server builds them: encoded once, texts made valid first.

use bytes::{Bytes, BytesMut};
use wire::{Encode, ErrorCode, Name, ServerMessage, Text};

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

/// `ERR <code> <message>`.
pub(crate) fn err(code: ErrorCode, message: impl Into<String>) -> ServerMessage {
    ServerMessage::Err {
        code,
        text: text(message),
    }
}

/// The text of ERR 401, over TCP and UDP.
pub(crate) const HELLO_FIRST: &str = "say HELLO first";

/// `WELCOME hello <name>`.
pub(crate) fn welcome(name: &Name) -> ServerMessage {
    ServerMessage::Welcome(text(format!("hello {name}")))
}

/// `BYE goodbye`, the reply to `BYE`.
pub(crate) fn goodbye() -> ServerMessage {
    ServerMessage::Bye(Some(text("goodbye")))
}
