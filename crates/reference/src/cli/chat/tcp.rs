//! The chat over TCP: replies come in the order of the requests (ORDER-3), so each is matched
//! to what was sent.

use std::collections::VecDeque;

use wire::{ClientMessage, ErrorCode, Name, ServerMessage, Text};

use super::{Heard, Link, show};
use crate::cli::error::CliError;
use crate::cli::target::Target;
use crate::client::{Client, ClientError, Event};

/// What was sent and still awaits its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Msg,
    Ping,
    Bye,
}

/// An introduced TCP connection.
#[derive(Debug)]
pub(super) struct TcpLink {
    client: Client,
    pending: VecDeque<Sent>,
}

impl TcpLink {
    /// Connects and says `HELLO`.
    pub(super) async fn join(target: &Target, name: Name) -> Result<Self, CliError> {
        let mut client = target.connect().await?;
        let welcome = client.hello(&name).await?;
        // Waiting for chat is normal: no reply timeout from here on.
        client.set_timeout(None);
        eprintln!("{welcome} (type lines to send them; end of input leaves)");
        Ok(TcpLink {
            client,
            pending: VecDeque::new(),
        })
    }

    async fn send(&mut self, request: ClientMessage, sent: Sent) -> Result<(), CliError> {
        self.client.send(&request).await?;
        self.pending.push_back(sent);
        Ok(())
    }

    /// A reply, matched to the oldest request without one.
    fn on_reply(&mut self, reply: ServerMessage) -> Result<Heard, CliError> {
        let sent = self.pending.pop_front();
        match reply {
            ServerMessage::Bye(_) if sent == Some(Sent::Bye) => Ok(Heard::Left),
            ServerMessage::Bye(text) => Err(ClientError::Ended(text).into()),
            ServerMessage::Err { code, text } if code == ErrorCode::BUSY => {
                Err(ClientError::Busy(text).into())
            }
            other => Ok(other.into()),
        }
    }
}

impl Link for TcpLink {
    async fn say(&mut self, text: Text) -> Result<(), CliError> {
        self.send(ClientMessage::Msg(text), Sent::Msg).await
    }

    async fn keep_alive(&mut self) -> Result<(), CliError> {
        self.send(ClientMessage::Ping(None), Sent::Ping).await
    }

    async fn hear(&mut self) -> Result<Heard, CliError> {
        match self.client.next_event().await? {
            Event::Chat(chat) => Ok(Heard::Line {
                name: chat.name,
                text: chat.text,
            }),
            Event::Reply(reply) => self.on_reply(reply),
            Event::FileDiscarded(_) => {
                Err(ClientError::Protocol("FILE without a GET".into()).into())
            }
        }
    }

    async fn leave(mut self) -> Result<(), CliError> {
        self.send(ClientMessage::Bye(None), Sent::Bye).await?;
        loop {
            match self.hear().await? {
                Heard::Left => return Ok(()),
                heard => show(heard),
            }
        }
    }
}
