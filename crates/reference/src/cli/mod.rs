//! The `reference` command: `serve`, and the client subcommands `hello`, `get`, `put`, `ping`,
//! `chat`, one module each. Errors become one line on standard error and a documented exit code
//! ([`exit`]).

mod chat;
mod download;
mod error;
pub mod exit;
mod get;
mod hello;
mod lab;
mod ping;
mod put;
mod serve;
mod target;
mod value;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use error::CliError;

/// Where `serve` listens and the client commands connect, unless told otherwise.
const DEFAULT_ADDR: &str = "127.0.0.1:1234";

/// socket-lab/1 reference server and client.
#[derive(Debug, Parser)]
#[command(name = "reference", version, after_help = exit::help())]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (Ctrl-C or SIGTERM: stop accepting, finish transfers, exit).
    Serve(serve::ServeArgs),
    /// Say HELLO, print the WELCOME text, say BYE.
    Hello(hello::HelloArgs),
    /// Download a file.
    Get(get::GetArgs),
    /// Upload a file.
    Put(put::PutArgs),
    /// Send PING, print the round-trip time of the PONG.
    Ping(ping::PingArgs),
    /// Chat: each line of standard input is sent as MSG; FROM lines are printed as
    /// `name: text`. End of input (Ctrl-D) says BYE.
    Chat(chat::ChatArgs),
    /// Run the reference implementation of a lab's server or client (`conformance/labs/`).
    Lab(lab::LabArgs),
}

impl Command {
    async fn run(self) -> Result<(), CliError> {
        match self {
            Command::Serve(args) => serve::run(args).await,
            Command::Hello(args) => hello::run(args).await,
            Command::Get(args) => get::run(args).await,
            Command::Put(args) => put::run(args).await,
            Command::Ping(args) => ping::run(args).await,
            Command::Chat(args) => chat::run(args).await,
            Command::Lab(args) => lab::run(args).await,
        }
    }

    /// `serve` logs at the level asked for; client commands only warnings and errors.
    fn log_level(&self) -> tracing::Level {
        match self {
            Command::Serve(args) => args.log,
            _ => tracing::Level::WARN,
        }
    }
}

/// Runs the command line: parses the arguments, runs the command, returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(cli.command.log_level())
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("reference: cannot start the async runtime: {e}");
            return ExitCode::from(exit::PROTOCOL);
        }
    };
    match runtime.block_on(cli.command.run()) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("reference: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
