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

/// Refusals (`ERR 503`) being written at once; beyond, an over-limit connection is just closed.
const MAX_BUSY_REPLIES: usize = 64;
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

    /// Serves `stream`, or refuses it (`ERR 503`) when the limit is reached.
    fn admit(&mut self, stream: TcpStream, peer: std::net::SocketAddr) {
        match Arc::clone(&self.limit).try_acquire_owned() {
            Ok(permit) => {
                self.tasks.spawn(connection::serve(
                    stream,
                    peer,
                    Arc::clone(&self.shared),
                    self.stop.clone(),
                    permit,
                ));
            }
            Err(_) => {
                info!(%peer, "over the connection limit -> ERR 503");
                if let Ok(permit) = Arc::clone(&self.busy).try_acquire_owned() {
                    tokio::spawn(async move {
                        refuse_busy(stream).await;
                        drop(permit);
                    });
                }
            }
        }
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

/// `ERR 503 server busy`, FIN, then a short linger so the reply is not lost to a reset.
async fn refuse_busy(mut stream: TcpStream) {
    let busy = encode(&err(ErrorCode::BUSY, "server busy: too many connections"));
    let _ = tokio::time::timeout(connection::LINGER, async {
        if stream.write_all(&busy).await.is_ok() && stream.shutdown().await.is_ok() {
            connection::linger(&mut stream).await;
        }
    })
    .await;
}
