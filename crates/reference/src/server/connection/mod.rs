//! One TCP connection: the state machine of spec §6, from accept to close.
//!
//! Two tasks per connection. This one reads and decodes requests with a
//! [`wire::PartDecoder`], handles them one after the other (ORDER-3) and queues each reply; the writer ([`super::outbox`])
//! drains the queue to the socket. `PUT` payloads arrive in chunks and go straight to a
//! temporary file, `GET` payloads are streamed by the writer from the open file: a connection's
//! memory does not depend on file sizes.
//!
//! How a connection ends, and what the client sees:
//!
//! | cause | last message | then |
//! |-------|--------------|------|
//! | `BYE` | `BYE goodbye` | FIN, input discarded briefly |
//! | line over the limit, `PUT` over the upload limit | `ERR 413 ...` | FIN, input discarded briefly |
//! | idle limit | `BYE idle timeout` | FIN, input discarded briefly |
//! | server shutdown (between requests) | `BYE server shutting down` | FIN, input discarded briefly |
//! | EOF from the client | replies to complete requests | FIN; partial request dropped |
//! | outgoing queue overflow (client does not read) | nothing more | socket dropped |
//!
//! "Discarded briefly": after its last message the server shuts down its sending side and reads
//! (and drops) input for up to [`LINGER`], so that closing with unread input does not reset the
//! connection before the client has read that last message (spec §7.3).

mod requests;
mod session;
mod upload;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::{JoinError, JoinHandle};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use wire::Name;

use super::files::Root;
use super::lobby::Lobby;
use super::outbox::{self, WriteError, Written};
use super::room::Room;
use crate::config::Config;
use session::Session;

/// Files one connection may have open in its queue (pipelined `GET`s beyond wait).
pub(crate) const FILES_IN_FLIGHT: usize = 4;
/// How long input is read and dropped after the server's last message.
pub(crate) const LINGER: Duration = Duration::from_secs(2);

/// What every connection shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) root: Root,
    pub(crate) room: Arc<Room>,
    pub(crate) next_id: AtomicU64,
    /// The connections that have not said HELLO yet: the first to go when the server is full.
    pub(crate) lobby: Lobby,
}

impl Shared {
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Why a connection ended.
#[derive(Debug)]
enum End {
    Bye,
    Eof {
        partial: bool,
    },
    Idle,
    TooLarge,
    Shutdown,
    /// Evicted for a new connection, the server being full, before it said HELLO.
    Evicted,
    ReadFailed(std::io::Error),
    /// The writer stopped: the client reset, stalled, or a file could not be sent whole.
    WriterGone,
    /// The outgoing queue overflowed.
    Cut,
}

impl End {
    /// The server spoke last and may have unread input: shut down writing, then linger.
    fn lingers(&self) -> bool {
        matches!(
            self,
            End::Bye | End::Idle | End::TooLarge | End::Shutdown | End::Evicted
        )
    }

    fn describe(&self) -> String {
        match self {
            End::Bye => "client said BYE".into(),
            End::Eof { partial: false } => "client closed".into(),
            End::Eof { partial: true } => "client closed mid-request (discarded)".into(),
            End::Idle => "idle timeout".into(),
            End::TooLarge => "over a size limit (413)".into(),
            End::Shutdown => "server shutting down".into(),
            End::Evicted => "evicted for a new connection: no HELLO yet, server full".into(),
            End::ReadFailed(e) => format!("read failed: {e}"),
            End::WriterGone => "write side failed".into(),
            End::Cut => "outgoing queue full: client does not read".into(),
        }
    }
}

/// The writer task is gone: nothing more can be sent.
#[derive(Debug)]
struct Gone;

/// Serves one accepted connection to its end. `slot` is its place under the connection limit:
/// the writer holds it and frees it just before it sends the FIN, or when it fails or is
/// aborted, so a client that has read the FIN knows the slot is free (CONN-8). Lingering after
/// the FIN takes no slot.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    slot: OwnedSemaphorePermit,
) {
    let id = shared.next_id();
    let started = Instant::now();
    debug!(conn = id, %peer, "accepted");
    // Replies are small and must not wait for more: no Nagle delay.
    let _ = stream.set_nodelay(true);
    let (mut input, output) = stream.into_split();
    let (queue, outgoing) = outbox::queue(shared.config.queue_bytes);
    let cut = CancellationToken::new();
    let mut writer = tokio::spawn(outbox::write_queue(
        output,
        outgoing,
        shared.config.idle_timeout,
        slot,
    ));
    let evict = shared.lobby.enter(id);
    let lobby = Arc::clone(&shared);
    let mut session = Session::new(id, shared, queue, cut.clone());
    let mut writer_done = None;
    let end = tokio::select! {
        end = session.run(&mut input, &shutdown, &evict) => end,
        () = cut.cancelled() => End::Cut,
        result = &mut writer => {
            writer_done = Some(result);
            End::WriterGone
        }
    };
    lobby.lobby.leave(id);
    let name = session.introduced_as.take();
    let requests = session.requests;
    // Leaves the room, drops the queue's last sender and any partial upload.
    drop(session);
    let written = writer_outcome(id, &end, writer, writer_done).await;
    if end.lingers() && written.is_some() {
        linger(&mut input).await;
    }
    info!(
        conn = id,
        %peer,
        name = name.as_ref().map_or("-", Name::as_str),
        requests,
        sent_bytes = written.map_or(0, |w| w.bytes),
        secs = format_args!("{:.3}", started.elapsed().as_secs_f64()),
        "closed: {}",
        end.describe()
    );
}

/// What the writer sent, once it has written everything queued; `None` if it failed or was
/// aborted (a cut connection is not waited for).
async fn writer_outcome(
    id: u64,
    end: &End,
    writer: JoinHandle<Result<Written, WriteError>>,
    done: Option<Result<Result<Written, WriteError>, JoinError>>,
) -> Option<Written> {
    let result = match (end, done) {
        (End::Cut, _) => {
            writer.abort();
            return None;
        }
        (_, Some(result)) => result,
        (_, None) => writer.await,
    };
    match result {
        Ok(Ok(written)) => Some(written),
        Ok(Err(e)) => {
            debug!(conn = id, error = %e, "writer stopped");
            None
        }
        Err(e) if e.is_panic() => {
            warn!(conn = id, error = %e, "writer panicked");
            None
        }
        Err(_) => None,
    }
}

/// Reads and drops input until EOF or [`LINGER`].
pub(crate) async fn linger(input: &mut (impl AsyncReadExt + Unpin)) {
    let mut sink = vec![0u8; 16 * 1024];
    let _ = tokio::time::timeout(LINGER, async {
        while matches!(input.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}
