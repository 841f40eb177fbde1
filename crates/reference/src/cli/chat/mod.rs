//! `reference chat`: standard input out as `MSG`, `FROM` lines in as `name: text`, `BYE` at
//! the end of input. One loop for both transports; [`tcp`] and [`udp`] say how each sends,
//! hears and leaves.

mod tcp;
mod udp;

use std::time::Duration;

use clap::Args;
use tokio::io::AsyncBufReadExt;
use wire::{ErrorCode, Name, ServerMessage, Text};

use super::error::CliError;
use super::target::Target;

/// Sent every so often so that neither the idle limit nor the UDP expiry drops a quiet user.
const KEEPALIVE: Duration = Duration::from_secs(25);

#[derive(Debug, Args)]
pub(super) struct ChatArgs {
    /// Name to introduce yourself with
    #[arg(long)]
    name: Name,
    /// Use the datagram variant (UDP, same port)
    #[arg(long)]
    udp: bool,
    #[command(flatten)]
    target: Target,
}

pub(super) async fn run(args: ChatArgs) -> Result<(), CliError> {
    if args.udp {
        converse(udp::UdpLink::join(&args.target, args.name).await?).await
    } else {
        converse(tcp::TcpLink::join(&args.target, args.name).await?).await
    }
}

/// A joined chat, over one transport.
trait Link {
    /// Sends `MSG <text>`.
    async fn say(&mut self, text: Text) -> Result<(), CliError>;
    /// Sends `PING`, to stay registered.
    async fn keep_alive(&mut self) -> Result<(), CliError>;
    /// The next thing the server sends. Cancel-safe.
    async fn hear(&mut self) -> Result<Heard, CliError>;
    /// Says `BYE` and returns once the server has answered it, showing what arrives meanwhile.
    async fn leave(self) -> Result<(), CliError>;
}

/// What the user is shown of what the server sends.
#[derive(Debug)]
enum Heard {
    /// A `FROM` line.
    Line { name: Name, text: Text },
    /// An `ERR` reply the chat goes on after.
    Refused { code: ErrorCode, text: Text },
    /// Something went wrong that the chat goes on after.
    Warning(String),
    /// The server answered our `BYE`.
    Left,
    /// Nothing worth showing (`OK`, `PONG`...).
    Nothing,
}

impl From<ServerMessage> for Heard {
    fn from(message: ServerMessage) -> Self {
        match message {
            ServerMessage::From { name, text } => Heard::Line { name, text },
            ServerMessage::Err { code, text } => Heard::Refused { code, text },
            _ => Heard::Nothing,
        }
    }
}

/// Chat lines on standard output, the rest on standard error.
fn show(heard: Heard) {
    match heard {
        Heard::Line { name, text } => println!("{name}: {text}"),
        Heard::Refused { code, text } => eprintln!("ERR {code} {text}"),
        Heard::Warning(warning) => eprintln!("warning: {warning}"),
        Heard::Left | Heard::Nothing => {}
    }
}

/// Sends each line of standard input, shows what the server sends, leaves at end of input.
async fn converse(mut link: impl Link) -> Result<(), CliError> {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) if line.is_empty() => {}
                Ok(Some(line)) => match Text::new(line) {
                    Ok(text) => link.say(text).await?,
                    Err(e) => eprintln!("not sent: {e}"),
                },
                Ok(None) | Err(_) => return link.leave().await,
            },
            _ = keepalive.tick() => link.keep_alive().await?,
            heard = link.hear() => show(heard?),
        }
    }
}
