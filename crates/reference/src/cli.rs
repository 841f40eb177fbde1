//! The `reference` command: `serve`, and the client subcommands `hello`, `get`, `put`, `ping`,
//! `chat`. Errors become one line on standard error and a documented exit code ([`exit`]).

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tokio::io::AsyncBufReadExt;
use wire::{ClientMessage, ErrorCode, Name, PathArg, ServerMessage, Text, Token};

use crate::client::{Client, ClientError, Event, UdpClient};
use crate::progress::Progress;
use crate::server::{self, Config, ServerError};

/// Exit codes of the `reference` command.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The server replied `ERR` (or ended the session with `BYE` instead of a reply).
    pub const ERR_REPLY: u8 = 1;
    /// Bad arguments or settings.
    pub const USAGE: u8 = 2;
    /// Cannot connect: refused, unreachable, timed out, or `ERR 503` busy. `serve`: cannot
    /// listen.
    pub const CONNECT: u8 = 3;
    /// A local file problem: the file to upload, the download's destination, `serve --root`.
    pub const LOCAL_FILE: u8 = 4;
    /// The server broke the protocol, went silent, or the connection was lost mid-exchange.
    pub const PROTOCOL: u8 = 5;
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the server replied ERR (or ended the session with BYE instead of replying)
  2  usage error: bad arguments or settings
  3  cannot connect: refused, unreachable, timed out, or ERR 503 busy (serve: cannot listen)
  4  local file problem: file to upload, download destination, or serve --root
  5  protocol violation by the server, no reply in time, or connection lost mid-exchange";

/// socket-lab/1 reference server and client.
#[derive(Debug, Parser)]
#[command(name = "reference", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (Ctrl-C or SIGTERM: stop accepting, finish transfers, exit).
    Serve(ServeArgs),
    /// Say HELLO, print the WELCOME text, say BYE.
    Hello {
        #[command(flatten)]
        target: Target,
        /// Name to introduce yourself with [default: cli-<random>]
        #[arg(long)]
        name: Option<Name>,
    },
    /// Download a file.
    Get {
        /// Path of the file on the server, e.g. docs/readme.txt
        path: PathArg,
        /// Where to save it; `-` for standard output [default: the path's last segment, in the
        /// current folder]
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Refuse files larger than this many bytes
        #[arg(long, value_name = "BYTES")]
        max_size: Option<u64>,
        #[command(flatten)]
        target: Target,
        /// Name to introduce yourself with [default: cli-<random>]
        #[arg(long)]
        name: Option<Name>,
    },
    /// Upload a file.
    Put {
        /// The local file to send
        file: PathBuf,
        /// Path to store it at on the server [default: the file's name]
        #[arg(long = "as", value_name = "PATH")]
        remote: Option<PathArg>,
        #[command(flatten)]
        target: Target,
        /// Name to introduce yourself with [default: cli-<random>]
        #[arg(long)]
        name: Option<Name>,
    },
    /// Send PING, print the round-trip time of the PONG.
    Ping {
        /// Token to send (echoed by the server)
        #[arg(long)]
        token: Option<Token>,
        #[command(flatten)]
        target: Target,
    },
    /// Chat: each line of standard input is sent as MSG; FROM lines are printed as
    /// `name: text`. End of input (Ctrl-D) says BYE.
    Chat {
        /// Name to introduce yourself with
        #[arg(long)]
        name: Name,
        /// Use the datagram variant (UDP, same port)
        #[arg(long)]
        udp: bool,
        #[command(flatten)]
        target: Target,
    },
}

/// Where the server is.
#[derive(Debug, Args)]
struct Target {
    /// Server address
    #[arg(long, short, default_value = "127.0.0.1:1234")]
    server: String,
    /// Seconds to wait for the connection and for each reply
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
}

/// `serve` settings; the defaults are those of spec §9 ([`Config::new`]).
#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (TCP, and UDP with --udp); port 0 picks a free port
    #[arg(long, default_value = "127.0.0.1:1234")]
    listen: SocketAddr,
    /// Folder served by GET and written by PUT
    #[arg(long)]
    root: PathBuf,
    /// Also serve the chat over UDP, on the same port
    #[arg(long)]
    udp: bool,
    /// Longest request line, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 4096)]
    max_line: usize,
    /// Largest upload, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024 * 1024)]
    max_upload: u64,
    /// Simultaneous connections; beyond: ERR 503
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_connections: usize,
    /// Seconds without a byte from a client before `BYE idle timeout`
    #[arg(long, value_name = "SECS", default_value_t = 300.0)]
    idle_timeout: f64,
    /// Messages queued per client; a client whose queue overflows is disconnected
    #[arg(long, value_name = "N", default_value_t = 1024)]
    queue: usize,
    /// Seconds before a silent UDP peer is dropped
    #[arg(long, value_name = "SECS", default_value_t = 300.0)]
    udp_expiry: f64,
    /// Largest UDP datagram, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 4096)]
    max_datagram: usize,
    /// Seconds transfers in flight may take to finish on shutdown
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    grace: f64,
    /// Log level: error, warn, info (one line per connection and request), debug, trace
    #[arg(long, default_value = "info")]
    log: tracing::Level,
}

/// A command failure, with its exit code.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("{path}: {source}")]
    Local {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Client(e) => match e {
                ClientError::Refused { .. } | ClientError::Ended(_) => exit::ERR_REPLY,
                ClientError::Connect { .. } | ClientError::Busy(_) => exit::CONNECT,
                ClientError::Local(_) | ClientError::TooLarge { .. } => exit::LOCAL_FILE,
                ClientError::Closed
                | ClientError::Protocol(_)
                | ClientError::Io(_)
                | ClientError::Timeout(_) => exit::PROTOCOL,
            },
            CliError::Server(e) => match e {
                ServerError::Config(_) => exit::USAGE,
                ServerError::Bind { .. } => exit::CONNECT,
                ServerError::Root { .. } => exit::LOCAL_FILE,
                ServerError::Task(_) => exit::PROTOCOL,
            },
            CliError::Local { .. } => exit::LOCAL_FILE,
            CliError::Usage(_) => exit::USAGE,
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
    let level = match &cli.command {
        Command::Serve(args) => args.log,
        _ => tracing::Level::WARN,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(level)
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

impl Command {
    async fn run(self) -> Result<(), CliError> {
        match self {
            Command::Serve(args) => serve(args).await,
            Command::Hello { target, name } => {
                let mut client = target.connect().await?;
                let welcome = client.hello(&name_or_default(name)).await?;
                println!("{welcome}");
                client.bye(None).await?;
                Ok(())
            }
            Command::Get {
                path,
                output,
                max_size,
                target,
                name,
            } => get(target, name_or_default(name), path, output, max_size).await,
            Command::Put {
                file,
                remote,
                target,
                name,
            } => put(target, name_or_default(name), file, remote).await,
            Command::Ping { token, target } => {
                let mut client = target.connect().await?;
                let rtt = client.ping(token.as_ref()).await?;
                println!(
                    "PONG{} from {} in {:.3} ms",
                    token.map(|t| format!(" {t}")).unwrap_or_default(),
                    client.peer_addr(),
                    rtt.as_secs_f64() * 1000.0
                );
                client.bye(None).await?;
                Ok(())
            }
            Command::Chat { name, udp, target } if udp => chat_udp(target, name).await,
            Command::Chat { name, target, .. } => chat_tcp(target, name).await,
        }
    }
}

fn name_or_default(name: Option<Name>) -> Name {
    name.unwrap_or_else(|| {
        Name::new(format!("cli-{:08x}", fastrand::u32(..))).expect("a valid generated name")
    })
}

fn seconds(what: &str, secs: f64) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| CliError::Usage(format!("{what}: `{secs}` is not a number of seconds")))
}

impl Target {
    fn timeout(&self) -> Result<Duration, CliError> {
        seconds("--timeout", self.timeout)
    }

    async fn connect(&self) -> Result<Client, CliError> {
        let timeout = self.timeout()?;
        let mut client = match tokio::time::timeout(timeout, Client::connect(&self.server)).await {
            Ok(client) => client?,
            Err(_) => {
                return Err(ClientError::Connect {
                    addr: self.server.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer within {timeout:?}"),
                    ),
                }
                .into());
            }
        };
        client.set_timeout(Some(timeout));
        Ok(client)
    }
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let mut config = Config::new(&args.root);
    config.max_line = args.max_line;
    config.max_upload = args.max_upload;
    config.max_connections = args.max_connections;
    config.idle_timeout = seconds("--idle-timeout", args.idle_timeout)?;
    config.queue_capacity = args.queue;
    config.udp_peer_expiry = seconds("--udp-expiry", args.udp_expiry)?;
    config.max_datagram = args.max_datagram;
    config.grace_period = seconds("--grace", args.grace)?;
    config.validate()?;
    match std::fs::metadata(&args.root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(CliError::Local {
                path: args.root,
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
            });
        }
        Err(source) => {
            return Err(CliError::Local {
                path: args.root,
                source,
            });
        }
    }
    let (listener, udp) = server::bind(args.listen, args.udp).await?;
    if let Ok(addr) = listener.local_addr() {
        // The first line on standard output, for scripts that listen on port 0.
        println!("listening on {addr}");
        let _ = std::io::stdout().flush();
    }
    server::run(listener, udp, config, shutdown_signal()).await?;
    Ok(())
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

async fn get(
    target: Target,
    name: Name,
    path: PathArg,
    output: Option<PathBuf>,
    max_size: Option<u64>,
) -> Result<(), CliError> {
    let output = output.unwrap_or_else(|| {
        PathBuf::from(path.as_str().rsplit('/').next().unwrap_or(path.as_str()))
    });
    let mut client = target.connect().await?;
    if let Some(limit) = max_size {
        client.set_max_file(limit);
    }
    client.hello(&name).await?;
    let progress = Progress::new(path.as_str());
    let size = if output == Path::new("-") {
        let mut stdout = tokio::io::stdout();
        client
            .get_with_size(
                &path,
                &mut stdout,
                &mut |n| progress.set_total(n),
                &mut |n| progress.set(n),
            )
            .await?
    } else {
        let mut file = LocalDownload::create(&output).await?;
        let size = client
            .get_with_size(
                &path,
                &mut file.file,
                &mut |n| progress.set_total(n),
                &mut |n| progress.set(n),
            )
            .await?;
        file.commit().await?;
        size
    };
    progress.finish();
    if output != Path::new("-") {
        eprintln!("saved {size} bytes to {}", output.display());
    }
    client.bye(None).await?;
    Ok(())
}

/// A download being written to `.<name>.part-<random>` beside its destination, renamed when
/// complete and removed otherwise: a failed download leaves nothing half-written behind.
struct LocalDownload {
    file: tokio::fs::File,
    temp: PathBuf,
    target: PathBuf,
}

impl LocalDownload {
    async fn create(target: &Path) -> Result<Self, CliError> {
        let local = |source| CliError::Local {
            path: target.to_path_buf(),
            source,
        };
        let name = target
            .file_name()
            .ok_or_else(|| CliError::Usage(format!("{}: not a file name", target.display())))?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".part-{:08x}", fastrand::u32(..)));
        let temp = target.with_file_name(temp_name);
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(local)?;
        Ok(LocalDownload {
            file,
            temp,
            target: target.to_path_buf(),
        })
    }

    async fn commit(mut self) -> Result<(), CliError> {
        let local = |source| CliError::Local {
            path: self.target.clone(),
            source,
        };
        use tokio::io::AsyncWriteExt;
        self.file.flush().await.map_err(local)?;
        tokio::fs::rename(&self.temp, &self.target)
            .await
            .map_err(local)?;
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for LocalDownload {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

async fn put(
    target: Target,
    name: Name,
    file: PathBuf,
    remote: Option<PathArg>,
) -> Result<(), CliError> {
    let local = |source| CliError::Local {
        path: file.clone(),
        source,
    };
    let remote = match remote {
        Some(remote) => remote,
        None => {
            let base = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            PathArg::new(base).map_err(|e| {
                CliError::Usage(format!(
                    "cannot use `{}` as the server path ({e}); choose one with --as",
                    file.display()
                ))
            })?
        }
    };
    let mut input = tokio::fs::File::open(&file).await.map_err(local)?;
    let meta = input.metadata().await.map_err(local)?;
    if !meta.is_file() {
        return Err(local(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let mut client = target.connect().await?;
    client.hello(&name).await?;
    let progress = Progress::new(remote.as_str());
    progress.set_total(meta.len());
    let ok = client
        .put(&remote, meta.len(), &mut input, &mut |n| progress.set(n))
        .await?;
    progress.finish();
    match ok {
        Some(text) => println!("OK {text}"),
        None => println!("OK"),
    }
    client.bye(None).await?;
    Ok(())
}

/// What a chat sent and still awaits a reply for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Msg,
    Ping,
    Bye,
}

/// Sent every so often so that neither the idle limit nor the UDP expiry drops a quiet user.
const KEEPALIVE: Duration = Duration::from_secs(25);

async fn chat_tcp(target: Target, name: Name) -> Result<(), CliError> {
    let mut client = target.connect().await?;
    let welcome = client.hello(&name).await?;
    // Waiting for chat is normal: no reply timeout from here on.
    client.set_timeout(None);
    eprintln!("{welcome} (type lines to send them; end of input leaves)");
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut pending = VecDeque::new();
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    let mut reading = true;
    loop {
        tokio::select! {
            line = lines.next_line(), if reading => match line {
                Ok(Some(line)) if line.is_empty() => {}
                Ok(Some(line)) => match Text::new(line) {
                    Ok(text) => {
                        client.send(&ClientMessage::Msg(text)).await?;
                        pending.push_back(Sent::Msg);
                    }
                    Err(e) => eprintln!("not sent: {e}"),
                },
                Ok(None) | Err(_) => {
                    client.send(&ClientMessage::Bye(None)).await?;
                    pending.push_back(Sent::Bye);
                    reading = false;
                }
            },
            _ = keepalive.tick(), if reading => {
                client.send(&ClientMessage::Ping(None)).await?;
                pending.push_back(Sent::Ping);
            }
            event = client.next_event() => match event? {
                Event::Chat(chat) => println!("{}: {}", chat.name, chat.text),
                Event::Reply(reply) => {
                    let sent = pending.pop_front();
                    match reply {
                        ServerMessage::Bye(_) if sent == Some(Sent::Bye) => return Ok(()),
                        ServerMessage::Bye(text) => return Err(ClientError::Ended(text).into()),
                        ServerMessage::Err { code, text } if code == ErrorCode::BUSY => {
                            return Err(ClientError::Busy(text).into());
                        }
                        ServerMessage::Err { code, text } => eprintln!("ERR {code} {text}"),
                        _ => {}
                    }
                }
                Event::FileDiscarded(_) => {
                    return Err(ClientError::Protocol("FILE without a GET".into()).into());
                }
            },
        }
    }
}

async fn chat_udp(target: Target, name: Name) -> Result<(), CliError> {
    let timeout = target.timeout()?;
    let client = UdpClient::connect(&target.server).await?;
    let print = &mut |message: ServerMessage| print_udp(&message);
    let tries = 3;
    let wait = timeout / tries;
    let is_reply =
        |m: &ServerMessage| matches!(m, ServerMessage::Welcome(_) | ServerMessage::Err { .. });
    let hello = ClientMessage::Hello(name);
    let welcome = match client.request(&hello, tries, wait, is_reply, print).await {
        Ok(ServerMessage::Welcome(text)) => text,
        Ok(ServerMessage::Err { code, text }) => {
            return Err(ClientError::Refused { code, text }.into());
        }
        Ok(other) => {
            return Err(ClientError::Protocol(format!("expected WELCOME, got `{other}`")).into());
        }
        Err(ClientError::Timeout(_)) => {
            return Err(ClientError::Connect {
                addr: target.server.clone(),
                source: std::io::Error::new(std::io::ErrorKind::TimedOut, "no UDP reply"),
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    eprintln!("{welcome} (UDP; type lines to send them; end of input leaves)");
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) if line.is_empty() => {}
                Ok(Some(line)) => match Text::new(line) {
                    // Never resent: a lost OK does not mean a lost MSG.
                    Ok(text) => client.send(&ClientMessage::Msg(text)).await?,
                    Err(e) => eprintln!("not sent: {e}"),
                },
                Ok(None) | Err(_) => break,
            },
            _ = keepalive.tick() => client.send(&ClientMessage::Ping(None)).await?,
            message = client.recv() => match message {
                Ok(message) => print_udp(&message),
                Err(ClientError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    eprintln!("warning: the server's port is closed");
                }
                Err(e) => eprintln!("warning: {e}"),
            },
        }
    }
    let is_bye = |m: &ServerMessage| matches!(m, ServerMessage::Bye(_));
    client
        .request(&ClientMessage::Bye(None), tries, wait, is_bye, print)
        .await?;
    Ok(())
}

fn print_udp(message: &ServerMessage) {
    match message {
        ServerMessage::From { name, text } => println!("{name}: {text}"),
        ServerMessage::Err { code, text } => eprintln!("ERR {code} {text}"),
        _ => {}
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

    #[test]
    fn serve_defaults_are_the_config_defaults() {
        let cli = Cli::try_parse_from(["reference", "serve", "--root", "x"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve expected")
        };
        let config = Config::new("x");
        assert_eq!(args.max_line, config.max_line);
        assert_eq!(args.max_upload, config.max_upload);
        assert_eq!(args.max_connections, config.max_connections);
        assert_eq!(seconds("", args.idle_timeout).unwrap(), config.idle_timeout);
        assert_eq!(args.queue, config.queue_capacity);
        assert_eq!(
            seconds("", args.udp_expiry).unwrap(),
            config.udp_peer_expiry
        );
        assert_eq!(args.max_datagram, config.max_datagram);
        assert_eq!(seconds("", args.grace).unwrap(), config.grace_period);
    }
}
