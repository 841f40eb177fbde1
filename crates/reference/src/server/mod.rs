//! The socket-lab/1 server: [`run`] on sockets the caller bound, until a shutdown future
//! resolves.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use reference::server::{self, Config};
//!
//! let (listener, udp) = server::bind("127.0.0.1:0".parse()?, true).await?;
//! println!("listening on {}", listener.local_addr()?);
//! server::run(listener, udp, Config::new("files"), tokio::signal::ctrl_c()).await?;
//! # Ok(()) }
//! ```
//!
//! Layout, one idea per module:
//!
//! - this module: the accept loop, the connection limit (a semaphore; beyond it `ERR 503` and
//!   close), graceful shutdown;
//! - `connection`: one connection's state machine (spec §6), request by request;
//! - `outbox`: the bounded outgoing queue of a connection and the task that writes it;
//! - `room`: the TCP chat room, names and `FROM` relay, cutting clients that do not read;
//! - `files`: path confinement, streamed downloads, atomic uploads;
//! - `udp`: the datagram chat.
//!
//! Nothing is global: two servers can run in one process (tests start one per test).

mod connection;
mod files;
mod outbox;
mod room;
mod udp;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};
use wire::{ErrorCode, ServerMessage};

pub use crate::config::Config;
pub use files::UPLOAD_PREFIX;

use connection::Shared;
use room::Room;

/// Refusals (`ERR 503`) being written at once; beyond, an over-limit connection is just closed.
const MAX_BUSY_REPLIES: usize = 64;

/// Why a server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The root folder is missing or unusable.
    #[error("cannot serve folder {path}: {source}")]
    Root {
        /// The folder as configured.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// Binding a socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What went wrong.
        source: io::Error,
    },
    /// The server task panicked.
    #[error("server task failed: {0}")]
    Task(String),
}

/// Binds TCP on `addr` and, when `udp` is set, UDP on the same port (UDP-12).
///
/// With port 0 the system picks a TCP port; if that port is taken for UDP, another one is tried.
pub async fn bind(
    addr: SocketAddr,
    udp: bool,
) -> Result<(TcpListener, Option<UdpSocket>), ServerError> {
    let bind_error = |source| ServerError::Bind { addr, source };
    let mut attempts = 0;
    loop {
        let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
        if !udp {
            return Ok((listener, None));
        }
        let port = listener.local_addr().map_err(bind_error)?.port();
        match UdpSocket::bind(SocketAddr::new(addr.ip(), port)).await {
            Ok(socket) => return Ok((listener, Some(socket))),
            Err(e) if addr.port() == 0 && attempts < 16 => {
                debug!(port, error = %e, "UDP port taken, trying another");
                attempts += 1;
            }
            Err(e) => return Err(bind_error(e)),
        }
    }
}

/// Serves `listener` (and `udp`, if given) with `config` until `shutdown` resolves.
///
/// On shutdown the server stops accepting, tells each connection to finish: a connection
/// waiting for a request gets `BYE server shutting down`, an upload or download in flight
/// completes first. Connections still open after [`Config::grace_period`] are cut (partial
/// uploads are removed). Returns once every connection is closed.
pub async fn run(
    listener: TcpListener,
    udp: Option<UdpSocket>,
    config: Config,
    shutdown: impl Future,
) -> Result<(), ServerError> {
    check(&config)?;
    let root = files::Root::new(&config.root).map_err(|source| ServerError::Root {
        path: config.root.clone(),
        source,
    })?;
    if let Ok(addr) = listener.local_addr() {
        info!(%addr, root = %config.root.display(), udp = udp.is_some(), "serving");
    }
    let stop = CancellationToken::new();
    let udp_task = udp.map(|socket| tokio::spawn(udp::serve(socket, config.clone(), stop.clone())));
    let limit = Arc::new(Semaphore::new(config.max_connections));
    let busy = Arc::new(Semaphore::new(MAX_BUSY_REPLIES));
    let grace = config.grace_period;
    let shared = Arc::new(Shared {
        config,
        root,
        room: Arc::new(Room::default()),
        next_id: AtomicU64::new(1),
    });
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(done) = connections.join_next(), if !connections.is_empty() => {
                match done {
                    Err(e) if e.is_panic() => error!(error = %e, "connection task panicked"),
                    _ => {}
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match Arc::clone(&limit).try_acquire_owned() {
                    Ok(permit) => {
                        connections.spawn(connection::serve(
                            stream,
                            peer,
                            Arc::clone(&shared),
                            stop.clone(),
                            permit,
                        ));
                    }
                    Err(_) => {
                        info!(%peer, "over the connection limit -> ERR 503");
                        if let Ok(permit) = Arc::clone(&busy).try_acquire_owned() {
                            tokio::spawn(async move {
                                refuse_busy(stream).await;
                                drop(permit);
                            });
                        }
                    }
                },
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    info!(
        open = connections.len(),
        grace = ?grace,
        "shutting down: no new connections"
    );
    stop.cancel();
    let drained = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        warn!(
            cut = connections.len(),
            "grace period over: cutting the remaining connections"
        );
        connections.shutdown().await;
    }
    if let Some(task) = udp_task {
        let _ = task.await;
    }
    info!("stopped");
    Ok(())
}

/// The largest line limit a server may set (LIMIT-7).
pub const MAX_LINE_LIMIT: usize = 65536;
/// The largest datagram limit a server may set (UDP-16).
pub const MAX_DATAGRAM_LIMIT: usize = 8192;

/// Checks every setting against the minimums and maximums of spec §9 (see [`Config::validate`]).
fn check(config: &Config) -> Result<(), ServerError> {
    let bad = |what: &str| Err(ServerError::Config(what.to_owned()));
    if config.max_line < wire::Limits::MINIMUM.max_line {
        return bad("line limit below the 1024 octets every server accepts (LIMIT-1)");
    }
    if config.max_line > MAX_LINE_LIMIT {
        return bad("line limit above the 65536 octets any server may set (LIMIT-7)");
    }
    if config.max_upload < wire::Limits::MINIMUM.max_payload {
        return bad("upload limit below the 1 MiB every server accepts (LIMIT-3)");
    }
    if config.max_connections == 0 {
        return bad("the connection limit must be at least 1");
    }
    if config.queue_capacity == 0 {
        return bad("the outgoing queue must hold at least 1 message");
    }
    if config.max_datagram < 1024 {
        return bad("datagram limit below the 1024 octets every server accepts (UDP-10)");
    }
    if config.max_datagram > MAX_DATAGRAM_LIMIT {
        return bad("datagram limit above the 8192 octets any server may set (UDP-16)");
    }
    if config.idle_timeout.is_zero() {
        return bad("the idle limit must be above zero");
    }
    if config.udp_peer_expiry.is_zero() {
        return bad("the UDP peer expiry must be above zero");
    }
    Ok(())
}

impl Config {
    /// Checks every setting against the minimums of spec §9 (line 1024, upload 1 MiB, datagram
    /// 1024), its maximums (line 65536, datagram 8192) and against zero where zero cannot work.
    /// [`run`] calls it first.
    pub fn validate(&self) -> Result<(), ServerError> {
        check(self)
    }
}

/// `ERR 503 server busy`, FIN, then a short linger so the reply is not lost to a reset.
async fn refuse_busy(mut stream: TcpStream) {
    let busy = connection::encode(&ServerMessage::Err {
        code: ErrorCode::BUSY,
        text: connection::text("server busy: too many connections"),
    });
    let _ = tokio::time::timeout(connection::LINGER, async {
        if stream.write_all(&busy).await.is_ok() && stream.shutdown().await.is_ok() {
            connection::linger(&mut stream).await;
        }
    })
    .await;
}

/// A server running in a background task: see [`spawn`].
#[derive(Debug)]
pub struct Handle {
    addr: SocketAddr,
    udp: bool,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
}

/// Binds `addr` (TCP, and UDP on the same port when `udp` is set), then runs the server in a
/// background task. Use port 0 for a free port and [`Handle::local_addr`] to learn it.
///
/// Dropping the [`Handle`] shuts the server down too, without waiting for it.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let config = reference::server::Config::new("fixtures/files");
/// let server = reference::server::spawn("127.0.0.1:0".parse()?, true, config).await?;
/// let addr = server.local_addr(); // TCP and UDP
/// // ... talk to addr ...
/// server.shutdown().await?;
/// # Ok(()) }
/// ```
pub async fn spawn(addr: SocketAddr, udp: bool, config: Config) -> Result<Handle, ServerError> {
    check(&config)?;
    let (listener, socket) = bind(addr, udp).await?;
    let addr = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { addr, source })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run(listener, socket, config, stopped));
    Ok(Handle {
        addr,
        udp,
        stop: Some(stop),
        task,
    })
}

impl Handle {
    /// The address the server listens on (TCP, and UDP when enabled).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether UDP is served on the same port.
    pub fn has_udp(&self) -> bool {
        self.udp
    }

    /// Shuts the server down gracefully and waits until it has stopped.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .map_err(|e| ServerError::Task(e.to_string()))?
    }
}
