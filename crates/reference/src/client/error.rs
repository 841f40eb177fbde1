//! What can go wrong talking to a server, and how a reply that is not the one expected becomes
//! an error.

use std::io;
use std::time::Duration;

use wire::{ErrorCode, ServerMessage, Text};

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

/// An `ERR` reply as an error: `ERR 503` is [`ClientError::Busy`], any other code
/// [`ClientError::Refused`].
pub(super) fn refused(code: ErrorCode, text: Text) -> ClientError {
    if code == ErrorCode::BUSY {
        ClientError::Busy(text)
    } else {
        ClientError::Refused { code, text }
    }
}

/// A reply other than `expected`: an `ERR` keeps its code, anything else breaks the protocol.
pub(super) fn unexpected(expected: &str, got: &ServerMessage) -> ClientError {
    match got {
        ServerMessage::Err { code, text } => refused(*code, text.clone()),
        other => ClientError::Protocol(format!("expected {expected}, got `{other}`")),
    }
}
