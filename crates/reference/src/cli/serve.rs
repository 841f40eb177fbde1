//! `reference serve`: the server, until Ctrl-C or SIGTERM. Every setting's default is
//! [`Config::new`]'s.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;

use super::DEFAULT_ADDR;
use super::error::CliError;
use super::value::Seconds;
use crate::server::{self, Config};

/// The reference settings, the source of every default below.
fn defaults() -> Config {
    Config::new(PathBuf::new())
}

#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Address to listen on (TCP, and UDP with --udp); port 0 picks a free port
    #[arg(long, default_value = DEFAULT_ADDR)]
    listen: SocketAddr,
    /// Folder served by GET and written by PUT
    #[arg(long)]
    root: PathBuf,
    /// Also serve the chat over UDP, on the same port
    #[arg(long)]
    udp: bool,
    /// Longest request line, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = defaults().max_line)]
    max_line: usize,
    /// Largest upload, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = defaults().max_upload)]
    max_upload: u64,
    /// Simultaneous connections; beyond: ERR 503
    #[arg(long, value_name = "N", default_value_t = defaults().max_connections)]
    max_connections: usize,
    /// Seconds without a byte from a client before `BYE idle timeout`
    #[arg(long, value_name = "SECS", default_value_t = Seconds(defaults().idle_timeout))]
    idle_timeout: Seconds,
    /// Octets queued per client; a client whose queue overflows is disconnected
    #[arg(long, value_name = "BYTES", default_value_t = defaults().queue_bytes)]
    queue: usize,
    /// Seconds before a silent UDP peer is dropped
    #[arg(long, value_name = "SECS", default_value_t = Seconds(defaults().udp_peer_expiry))]
    udp_expiry: Seconds,
    /// Largest UDP datagram, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = defaults().max_datagram)]
    max_datagram: usize,
    /// Seconds transfers in flight may take to finish on shutdown
    #[arg(long, value_name = "SECS", default_value_t = Seconds(defaults().grace_period))]
    grace: Seconds,
    /// Log level: error, warn, info (one line per connection and request), debug, trace
    #[arg(long, default_value = "info")]
    pub(super) log: tracing::Level,
}

impl ServeArgs {
    /// The settings asked for; every field of [`Config`] is named, so a new one cannot be
    /// forgotten here.
    fn config(&self) -> Config {
        Config {
            root: self.root.clone(),
            max_line: self.max_line,
            max_upload: self.max_upload,
            max_connections: self.max_connections,
            idle_timeout: self.idle_timeout.0,
            queue_bytes: self.queue,
            udp_peer_expiry: self.udp_expiry.0,
            max_datagram: self.max_datagram,
            grace_period: self.grace.0,
        }
    }
}

pub(super) async fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = args.config();
    config.validate()?;
    check_folder(&args.root)?;
    let (listener, udp) = server::bind(args.listen, args.udp).await?;
    if let Ok(addr) = listener.local_addr() {
        // The first line on standard output, for scripts that listen on port 0.
        println!("listening on {addr}");
        let _ = std::io::stdout().flush();
    }
    server::run(listener, udp, config, shutdown_signal()).await?;
    Ok(())
}

/// `root` must be an existing folder (exit code 4 otherwise, before anything listens).
fn check_folder(root: &Path) -> Result<(), CliError> {
    match std::fs::metadata(root) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(CliError::local(
            root,
            std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
        )),
        Err(e) => Err(CliError::local(root, e)),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminated = async {
        match &mut term {
            Some(term) => {
                term.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    #[test]
    fn serve_defaults_are_the_config_defaults() {
        let cli = Cli::try_parse_from(["reference", "serve", "--root", "x"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve expected")
        };
        assert_eq!(args.config(), Config::new("x"));
    }
}
