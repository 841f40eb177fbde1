//! The TCP side of a running server: accepted connections under the connection limit (beyond
//! it `ERR 503` and close), and their graceful end.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};
use wire::ErrorCode;

use super::connection::{self, Shared};
use super::message::{encode, err};

/// Refusals (`ERR 503`) lingering at once to be read; beyond, the reply is still written, but
/// the socket is closed at once.
const MAX_BUSY_REPLIES: usize = 1024;
/// How long a connection waits for the slot of a connection evicted for it.
const EVICT_WAIT: Duration = Duration::from_secs(2);
/// After a failed accept (out of file descriptors and the like), wait this long instead of
/// spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The connections being served, and what bounds them.
#[derive(Debug)]
pub(super) struct Connections {
    shared: Arc<Shared>,
    /// One permit per connection (CONN-2, LIMIT-6).
    limit: Arc<Semaphore>,
    /// One permit per `ERR 503` being written.
    busy: Arc<Semaphore>,
    tasks: JoinSet<()>,
    /// Cancelled to tell every connection to finish.
    stop: CancellationToken,
}

impl Connections {
    /// No connection yet; `stop` will tell them to finish.
    pub(super) fn new(shared: Shared, stop: CancellationToken) -> Self {
        Connections {
            limit: Arc::new(Semaphore::new(shared.config.max_connections)),
            busy: Arc::new(Semaphore::new(MAX_BUSY_REPLIES)),
            shared: Arc::new(shared),
            tasks: JoinSet::new(),
            stop,
        }
    }

    /// Accepts connections on `listener` until `shutdown` resolves.
    pub(super) async fn accept_until(&mut self, listener: &TcpListener, shutdown: impl Future) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                Some(done) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    match done {
                        Err(e) if e.is_panic() => error!(error = %e, "connection task panicked"),
                        _ => {}
                    }
                }
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => self.admit(stream, peer),
                    Err(e) => {
                        warn!(error = %e, "accept failed");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                },
            }
        }
    }

    /// Serves `stream`; when the limit is reached, evicts the oldest connection that has not
    /// said HELLO for it, or refuses it (`ERR 503`).
    fn admit(&mut self, stream: TcpStream, peer: std::net::SocketAddr) {
        if let Ok(permit) = Arc::clone(&self.limit).try_acquire_owned() {
            self.serve(stream, peer, permit);
            return;
        }
        if self.shared.lobby.evict_oldest() {
            info!(%peer, "server full: a connection with no HELLO gives way");
            let (limit, busy) = (Arc::clone(&self.limit), Arc::clone(&self.busy));
            let (shared, stop) = (Arc::clone(&self.shared), self.stop.clone());
            self.tasks.spawn(async move {
                match tokio::time::timeout(EVICT_WAIT, limit.acquire_owned()).await {
                    Ok(Ok(permit)) => connection::serve(stream, peer, shared, stop, permit).await,
                    _ => refuse(stream, &busy).await,
                }
            });
            return;
        }
        info!(%peer, "over the connection limit -> ERR 503");
        let busy = Arc::clone(&self.busy);
        tokio::spawn(async move { refuse(stream, &busy).await });
    }

    fn serve(
        &mut self,
        stream: TcpStream,
        peer: std::net::SocketAddr,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) {
        self.tasks.spawn(connection::serve(
            stream,
            peer,
            Arc::clone(&self.shared),
            self.stop.clone(),
            permit,
        ));
    }

    /// Tells every connection to finish, waits up to `grace`, then cuts those still open.
    pub(super) async fn finish(mut self, grace: Duration) {
        info!(
            open = self.tasks.len(),
            grace = ?grace,
            "shutting down: no new connections"
        );
        self.stop.cancel();
        let drained = tokio::time::timeout(grace, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            warn!(
                cut = self.tasks.len(),
                "grace period over: cutting the remaining connections"
            );
            self.tasks.shutdown().await;
        }
    }
}

/// `ERR 503 server busy` and FIN, at once (a fresh socket's buffer takes the few bytes whole);
/// then, while fewer than [`MAX_BUSY_REPLIES`] do, a short linger so the reply is not lost to a
/// reset. Every over-limit connection gets the reply, however many arrive at once (LIMIT-6).
async fn refuse(mut stream: TcpStream, busy: &Arc<Semaphore>) {
    let reply = encode(&err(ErrorCode::BUSY, "server busy: too many connections"));
    if stream.try_write(&reply).ok() != Some(reply.len()) {
        let write = tokio::time::timeout(connection::LINGER, stream.write_all(&reply));
        if !matches!(write.await, Ok(Ok(()))) {
            return;
        }
    }
    if stream.shutdown().await.is_err() {
        return;
    }
    if let Ok(_permit) = Arc::clone(busy).try_acquire_owned() {
        connection::linger(&mut stream).await;
    }
}
