//! Server messages as the server builds them: encoded once, texts made valid first.

use bytes::{Bytes, BytesMut};
use wire::{Encode, ErrorCode, Name, ServerMessage, Text};

/// The wire bytes of a message.
pub(crate) fn encode(message: &ServerMessage) -> Bytes {
    let mut buf = BytesMut::new();
    message.encode(&mut buf);
    buf.freeze()
}

/// `FROM <name> <text>`, the line a relay shares between its recipients: written straight into
/// one buffer of its exact size (the same bytes as [`encode`], without the formatting machinery,
/// once per `MSG`).
pub(crate) fn from_line(name: &Name, text: &Text) -> Bytes {
    let (name, text) = (name.as_str().as_bytes(), text.as_str().as_bytes());
    let mut buf = BytesMut::with_capacity(b"FROM ".len() + name.len() + 1 + text.len() + 1);
    buf.extend_from_slice(b"FROM ");
    buf.extend_from_slice(name);
    buf.extend_from_slice(b" ");
    buf.extend_from_slice(text);
    buf.extend_from_slice(b"\n");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_line_is_the_encoded_from() {
        for (name, text) in [("a", "hi"), ("bob", "x"), ("c-1", "two  spaces and é")] {
            let (name, text) = (Name::new(name).unwrap(), Text::new(text).unwrap());
            let encoded = encode(&ServerMessage::From {
                name: name.clone(),
                text: text.clone(),
            });
            assert_eq!(from_line(&name, &text), encoded);
        }
    }
}
