//! `reference lab NAME --port P`: run the reference implementation of a lab's server or client.

use clap::Args;

use super::error::CliError;

/// `lab`.
#[derive(Debug, Args)]
pub struct LabArgs {
    /// The lab half, as its suite is named below `labs/`: `greeter`, `greeter-client`, ...
    pub name: String,
    /// The port: a server listens on it (127.0.0.1), a client connects to it.
    #[arg(long)]
    pub port: u16,
}

/// Runs it on this thread; it uses the process's stdin and stdout as the lab's program does.
pub async fn run(args: LabArgs) -> Result<(), CliError> {
    tokio::task::spawn_blocking(move || crate::labs::run(&args.name, args.port))
        .await
        .map_err(|e| CliError::Lab(e.to_string()))?
        .map_err(|e| CliError::Lab(e.to_string()))
}
