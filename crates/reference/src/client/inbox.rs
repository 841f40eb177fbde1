//! The receiving half of a [`super::Client`]: replies in order, `FROM` lines set aside.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::net::tcp::OwnedReadHalf;
use wire::codec::PartCodec;
use wire::{Decoded, ErrorCode, Part, PartDecoder, ServerMessage};

use super::error::{ClientError, refused};
use super::{Chat, SERVER_LIMITS};
use crate::reader::{MessageReader, ReadError};

/// Octets read from the socket at a time: large, for downloads.
const READ_SIZE: usize = 256 * 1024;
/// `FROM` lines kept while no one takes them; older ones are dropped beyond this.
const MAX_KEPT_CHAT: usize = 10_000;

/// The socket's read half, its reader, and the chat lines that arrived while a reply was due.
#[derive(Debug)]
pub(super) struct Inbox {
    input: OwnedReadHalf,
    reader: MessageReader<PartCodec<ServerMessage>>,
    pub(super) chat: VecDeque<Chat>,
    pub(super) timeout: Option<Duration>,
}

impl Inbox {
    pub(super) fn new(input: OwnedReadHalf) -> Self {
        Inbox {
            input,
            reader: MessageReader::with_read_size(
                PartCodec(PartDecoder::new(SERVER_LIMITS)),
                READ_SIZE,
            ),
            chat: VecDeque::new(),
            timeout: None,
        }
    }

    /// The next message part from the server, reading as needed.
    pub(super) async fn next_part(&mut self) -> Result<Part<ServerMessage>, ClientError> {
        match self.reader.next(&mut self.input, self.timeout).await {
            Ok(Some(Decoded::Message(part))) => Ok(part),
            Ok(Some(Decoded::Malformed(m))) => Err(ClientError::Protocol(format!(
                "malformed line `{}`: {m}",
                wire::escape::escape(&m.line)
            ))),
            Ok(None) => Err(ClientError::Closed),
            Err(ReadError::Decode(e)) => Err(ClientError::Protocol(e.to_string())),
            Err(ReadError::Io(e)) => Err(ClientError::Io(e)),
            Err(ReadError::TimedOut(limit)) => Err(ClientError::Timeout(limit)),
        }
    }

    /// Keeps a `FROM` line for [`super::Client::take_chat`], dropping the oldest beyond
    /// [`MAX_KEPT_CHAT`].
    fn keep(&mut self, chat: Chat) {
        if self.chat.len() == MAX_KEPT_CHAT {
            self.chat.pop_front();
        }
        self.chat.push_back(chat);
    }

    /// The next part that is not a `FROM` line; those are set aside.
    pub(super) async fn next_reply(&mut self) -> Result<Part<ServerMessage>, ClientError> {
        loop {
            match self.next_part().await? {
                Part::Message(ServerMessage::From { name, text }) => self.keep(Chat { name, text }),
                Part::Message(ServerMessage::Err { code, text }) if code == ErrorCode::BUSY => {
                    return Err(ClientError::Busy(text));
                }
                Part::Message(ServerMessage::Bye(text)) => return Err(ClientError::Ended(text)),
                part => return Ok(part),
            }
        }
    }

    /// The next reply without payload; `ERR` becomes [`ClientError::Refused`].
    pub(super) async fn reply(&mut self) -> Result<ServerMessage, ClientError> {
        match self.next_reply().await? {
            Part::Message(ServerMessage::Err { code, text }) => Err(refused(code, text)),
            Part::Message(message) => Ok(message),
            _ => Err(ClientError::Protocol("unexpected FILE reply".into())),
        }
    }

    /// The next message, `BYE` included (for [`super::Client::bye`]).
    pub(super) async fn next_message(&mut self) -> Result<ServerMessage, ClientError> {
        loop {
            match self.next_part().await? {
                Part::Message(ServerMessage::From { name, text }) => self.keep(Chat { name, text }),
                Part::Message(message) => return Ok(message),
                _ => return Err(ClientError::Protocol("unexpected FILE reply".into())),
            }
        }
    }

    /// Reads and drops the rest of a payload, up to its end.
    pub(super) async fn skip_payload(&mut self) -> Result<(), ClientError> {
        loop {
            match self.next_part().await? {
                Part::PayloadChunk(_) => {}
                Part::PayloadEnd => return Ok(()),
                _ => return Err(interrupted()),
            }
        }
    }
}

/// A payload cut short by something else than its octets.
pub(super) fn interrupted() -> ClientError {
    ClientError::Protocol("FILE payload interrupted".into())
}
