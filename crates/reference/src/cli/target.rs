//! The arguments the client commands share: where the server is, how long to wait for it,
//! and the name to introduce yourself with.

use std::io;
use std::time::Duration;

use clap::Args;
use wire::{Name, Text};

use super::DEFAULT_ADDR;
use super::error::CliError;
use super::value::{Seconds, ServerAddr};
use crate::client::{Client, ClientError};

/// How long a client command waits for the connection and for each reply, by default.
const DEFAULT_TIMEOUT: Seconds = Seconds(Duration::from_secs(10));

/// Where the server is.
#[derive(Debug, Args)]
pub(super) struct Target {
    /// Server address
    #[arg(long, short, default_value = DEFAULT_ADDR)]
    pub(super) server: ServerAddr,
    /// Seconds to wait for the connection and for each reply
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT)]
    timeout: Seconds,
}

impl Target {
    /// How long to wait for the connection and for each reply.
    pub(super) fn timeout(&self) -> Duration {
        self.timeout.0
    }

    /// A TCP connection, with the reply timeout set.
    pub(super) async fn connect(&self) -> Result<Client, CliError> {
        let timeout = self.timeout();
        let connecting = Client::connect(self.server.as_str());
        let mut client = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| self.unreachable(format!("no answer within {timeout:?}")))??;
        client.set_timeout(Some(timeout));
        Ok(client)
    }

    /// The server did not answer: a connection failure (exit code 3), for `why`.
    pub(super) fn unreachable(&self, why: impl Into<String>) -> ClientError {
        ClientError::Connect {
            addr: self.server.to_string(),
            source: io::Error::new(io::ErrorKind::TimedOut, why.into()),
        }
    }
}

/// Where the server is and the name to say `HELLO` with, for the commands that introduce
/// themselves before their request.
#[derive(Debug, Args)]
pub(super) struct Introduction {
    #[command(flatten)]
    target: Target,
    /// Name to introduce yourself with [default: cli-<random>]
    #[arg(long)]
    name: Option<Name>,
}

impl Introduction {
    /// Connects and says `HELLO`; returns the connection and the `WELCOME` text.
    pub(super) async fn connect(self) -> Result<(Client, Text), CliError> {
        let name = self.name.unwrap_or_else(|| {
            Name::new(format!("cli-{:08x}", fastrand::u32(..))).expect("a valid generated name")
        });
        let mut client = self.target.connect().await?;
        let welcome = client.hello(&name).await?;
        Ok((client, welcome))
    }
}
