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
//! - this module: binding, [`run`] and [`spawn`];
//! - `accept`: the accept loop, the connection limit (a semaphore; beyond it `ERR 503` and
//!   close), graceful shutdown;
//! - `connection`: one connection's state machine (spec §6), request by request: its read loop
//!   (`session`), the requests without payload (`requests`), `PUT` (`upload`);
//! - `message`: server messages as the server builds them;
//! - `outbox`: the bounded outgoing queue of a connection and the task that writes it;
//! - `room`: the TCP chat room, names and `FROM` relay, cutting clients that do not read;
//! - `files`: path confinement, streamed downloads, atomic uploads;
//! - `udp`: the datagram chat.
//!
//! Nothing is global: two servers can run in one process (tests start one per test).

mod accept;
mod connection;
mod descriptors;
mod files;
mod lobby;
mod message;
mod outbox;
mod room;
mod udp;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

pub use crate::config::{Config, MAX_DATAGRAM_LIMIT, MAX_LINE_LIMIT};
pub use files::UPLOAD_PREFIX;

use accept::Connections;
use connection::Shared;
use room::Room;

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
    config.validate()?;
    let root = files::Root::new(&config.root).map_err(|source| ServerError::Root {
        path: config.root.clone(),
        source,
    })?;
    let stale = {
        let root = root.clone();
        tokio::task::spawn_blocking(move || root.remove_stale_uploads())
            .await
            .unwrap_or(0)
    };
    if stale > 0 {
        info!(
            removed = stale,
            "removed the temporary files of uploads cut by a crash"
        );
    }
    let config = descriptors::fit(config);
    if let Ok(addr) = listener.local_addr() {
        info!(%addr, root = %config.root.display(), udp = udp.is_some(), "serving");
    }
    let stop = CancellationToken::new();
    let udp_task = udp.map(|socket| tokio::spawn(udp::serve(socket, config.clone(), stop.clone())));
    let grace = config.grace_period;
    let shared = Shared {
        config,
        root,
        room: Arc::new(Room::default()),
        next_id: AtomicU64::new(1),
        lobby: lobby::Lobby::default(),
    };
    let mut connections = Connections::new(shared, stop);
    connections.accept_until(&listener, shutdown).await;
    drop(listener);
    connections.finish(grace).await;
    if let Some(task) = udp_task {
        let _ = task.await;
    }
    info!("stopped");
    Ok(())
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
    config.validate()?;
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
