//! The chat over UDP: datagrams may be lost, so `HELLO` and `BYE` are resent until answered;
//! `MSG` never is (a lost `OK` does not mean a lost `MSG`).

use std::time::Duration;

use wire::{ClientMessage, Name, ServerMessage, Text};

use super::{Heard, Link, show};
use crate::cli::error::CliError;
use crate::cli::target::Target;
use crate::client::{ClientError, UdpClient};

/// How many times `HELLO` and `BYE` are sent, within the target's timeout.
const TRIES: u32 = 3;

/// A UDP socket registered with the server.
#[derive(Debug)]
pub(super) struct UdpLink {
    client: UdpClient,
    /// How long to wait for a reply before resending.
    wait: Duration,
}

impl UdpLink {
    /// Says `HELLO` until the server answers, within the target's timeout.
    pub(super) async fn join(target: &Target, name: Name) -> Result<Self, CliError> {
        let client = UdpClient::connect(target.server.as_str()).await?;
        let link = UdpLink {
            client,
            wait: target.timeout() / TRIES,
        };
        let is_reply =
            |m: &ServerMessage| matches!(m, ServerMessage::Welcome(_) | ServerMessage::Err { .. });
        let welcome = match link.request(ClientMessage::Hello(name), is_reply).await {
            Ok(ServerMessage::Welcome(text)) => text,
            Ok(ServerMessage::Err { code, text }) => {
                return Err(ClientError::Refused { code, text }.into());
            }
            Ok(other) => {
                let e = ClientError::Protocol(format!("expected WELCOME, got `{other}`"));
                return Err(e.into());
            }
            Err(ClientError::Timeout(_)) => return Err(target.unreachable("no UDP reply").into()),
            Err(e) => return Err(e.into()),
        };
        eprintln!("{welcome} (UDP; type lines to send them; end of input leaves)");
        Ok(link)
    }

    /// Sends `request` until a reply `is_reply` arrives, showing other datagrams meanwhile.
    async fn request(
        &self,
        request: ClientMessage,
        is_reply: impl Fn(&ServerMessage) -> bool,
    ) -> Result<ServerMessage, ClientError> {
        let show = &mut |message: ServerMessage| show(message.into());
        self.client
            .request(&request, TRIES, self.wait, is_reply, show)
            .await
    }
}

impl Link for UdpLink {
    async fn say(&mut self, text: Text) -> Result<(), CliError> {
        Ok(self.client.send(&ClientMessage::Msg(text)).await?)
    }

    async fn keep_alive(&mut self) -> Result<(), CliError> {
        Ok(self.client.send(&ClientMessage::Ping(None)).await?)
    }

    async fn hear(&mut self) -> Result<Heard, CliError> {
        Ok(match self.client.recv().await {
            Ok(message) => message.into(),
            Err(ClientError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Heard::Warning("the server's port is closed".into())
            }
            Err(e) => Heard::Warning(e.to_string()),
        })
    }

    async fn leave(self) -> Result<(), CliError> {
        let is_bye = |m: &ServerMessage| matches!(m, ServerMessage::Bye(_));
        self.request(ClientMessage::Bye(None), is_bye).await?;
        Ok(())
    }
}
