//! One connection's outgoing side: a bounded queue of messages and the task that writes it.
//!
//! Everything the server sends on a connection goes through its queue: replies from the
//! connection's own task and `FROM` lines from other connections' relays. One writer drains it
//! in order, each message whole (ORDER-4), so a `FROM` queued before an author's `OK` reaches
//! its reader before anything queued later on that reader's connection: the PING barrier of
//! spec §5.2. A `FILE` payload is streamed from the open file with a fixed buffer, so a download
//! takes the same memory whatever its size.

use std::io;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use super::files::Download;

/// Lines are gathered into one write up to this many octets.
const BATCH: usize = 64 * 1024;
/// Buffer for copying a file to the socket.
const FILE_CHUNK: usize = 256 * 1024;

/// A message waiting to be written.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// One encoded message line (shared between the recipients of a relay).
    Line(Bytes),
    /// A `FILE` reply: its encoded line, then the file's content.
    File {
        /// `FILE <size>\n`.
        header: Bytes,
        /// The open file and the size announced in `header`.
        download: Download,
        /// Held while the file is open: bounds the open files one connection may queue.
        permit: OwnedSemaphorePermit,
    },
}

/// Why the writer stopped before its queue closed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    /// The socket failed (the client reset or vanished).
    #[error("write failed: {0}")]
    Io(#[from] io::Error),
    /// One write made no progress for the stall limit: the client does not read.
    #[error("client stopped reading for {0:?}")]
    Stalled(Duration),
    /// The file being sent became shorter than the size already announced.
    #[error("file shrank while being sent ({sent} of {size} bytes)")]
    FileShrank {
        /// Bytes sent.
        sent: u64,
        /// Bytes announced.
        size: u64,
    },
}

/// Octets and messages a writer sent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Written {
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
}

/// Writes everything queued on `queue` to `out`, in order, until every sender is gone; then
/// frees `slot` (the connection's place under the connection limit) and shuts down the sending
/// side (FIN): a client that reads the FIN can count on the slot being free (CONN-8). On failure
/// or abort the slot is freed as the task ends.
pub(crate) async fn write_queue<W: AsyncWrite + Unpin>(
    mut out: W,
    mut queue: mpsc::Receiver<Outgoing>,
    stall: Duration,
    slot: OwnedSemaphorePermit,
) -> Result<Written, WriteError> {
    let mut written = Written::default();
    let mut batch = BytesMut::with_capacity(BATCH);
    let mut next = queue.recv().await;
    while let Some(item) = next.take() {
        match item {
            Outgoing::Line(line) => {
                batch.extend_from_slice(&line);
                written.messages += 1;
                // Gather whatever else is already queued into the same write.
                while batch.len() < BATCH {
                    match queue.try_recv() {
                        Ok(Outgoing::Line(line)) => {
                            batch.extend_from_slice(&line);
                            written.messages += 1;
                        }
                        Ok(file) => {
                            next = Some(file);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                write_all(&mut out, &batch, stall).await?;
                written.bytes += batch.len() as u64;
                batch.clear();
            }
            Outgoing::File {
                header,
                download,
                permit,
            } => {
                write_all(&mut out, &header, stall).await?;
                written.bytes += header.len() as u64;
                written.bytes += send_file(&mut out, download, stall).await?;
                written.messages += 1;
                drop(permit);
            }
        }
        if next.is_none() {
            next = queue.recv().await;
        }
    }
    drop(slot);
    timed(stall, out.shutdown()).await?;
    Ok(written)
}

/// Copies exactly `download.size` octets of the file to `out`, reading the next chunk (on a
/// blocking thread, straight into the buffer) while the current one is written to the socket:
/// two buffers, whatever the file size.
async fn send_file<W: AsyncWrite + Unpin>(
    out: &mut W,
    download: Download,
    stall: Duration,
) -> Result<u64, WriteError> {
    let Download { file, size } = download;
    let chunk =
        |done: u64| usize::try_from(size - done).map_or(FILE_CHUNK, |left| left.min(FILE_CHUNK));
    let (mut file, mut current, mut filled) =
        read_chunk(file, vec![0u8; FILE_CHUNK], chunk(0)).await?;
    let mut spare = vec![0u8; FILE_CHUNK];
    let mut sent = 0u64;
    while sent < size {
        if filled == 0 {
            return Err(WriteError::FileShrank { sent, size });
        }
        let after = sent + filled as u64;
        let (written, read) = tokio::join!(
            write_all(out, &current[..filled], stall),
            read_chunk(file, spare, chunk(after)),
        );
        written?;
        let (next_file, next, next_filled) = read?;
        sent = after;
        spare = std::mem::replace(&mut current, next);
        file = next_file;
        filled = next_filled;
    }
    Ok(sent)
}

/// Reads up to `want` octets into the front of `buf`, fewer only at the end of the file.
async fn read_chunk(
    mut file: std::fs::File,
    mut buf: Vec<u8>,
    want: usize,
) -> std::io::Result<(std::fs::File, Vec<u8>, usize)> {
    if want == 0 {
        return Ok((file, buf, 0));
    }
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut filled = 0;
        while filled < want {
            match file.read(&mut buf[filled..want]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((file, buf, filled))
    })
    .await
    .map_err(std::io::Error::other)?
}

async fn write_all<W: AsyncWrite + Unpin>(
    out: &mut W,
    bytes: &[u8],
    stall: Duration,
) -> Result<(), WriteError> {
    timed(stall, out.write_all(bytes)).await
}

async fn timed(stall: Duration, f: impl Future<Output = io::Result<()>>) -> Result<(), WriteError> {
    match tokio::time::timeout(stall, f).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(WriteError::Stalled(stall)),
    }
}
