//! One connection's outgoing side: a queue bounded in octets ([`queue`]) and the task that
//! writes it.
//!
//! Everything the server sends on a connection goes through its queue: replies from the
//! connection's own task and `FROM` lines from other connections' relays. One writer drains it
//! in order, each message whole (ORDER-4), so a `FROM` queued before an author's `OK` reaches
//! its reader before anything queued later on that reader's connection: the PING barrier of
//! spec §5.2.
//!
//! Each time it wakes, the writer takes every line already queued and hands them to the socket
//! in one vectored write (`writev`): the lines are `Bytes` shared with every other recipient of
//! the same relay, never copied into a batch buffer. A `FILE` payload is sent from the open
//! file: with `sendfile` on Linux (no copy through user space), elsewhere through a fixed
//! buffer; either way a download takes the same memory whatever its size.

mod file;
pub(crate) mod queue;

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;

use super::files::Download;
pub(crate) use file::Sink;
pub(crate) use queue::{QueueReceiver, QueueSender, TrySendError, queue};

/// Slices handed to one vectored write (Linux's `IOV_MAX`).
const MAX_SLICES: usize = 1024;
/// Beyond this many slots, the list of lines to write is shrunk once it is empty, so that a
/// burst does not leave an idle connection holding a large list.
const KEEP_SLOTS: usize = 256;

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

impl Outgoing {
    /// Octets this message counts against its queue's bound: its line (a `FILE` payload is
    /// streamed from the file, and open files are bounded apart).
    pub(crate) fn cost(&self) -> usize {
        match self {
            Outgoing::Line(line) => line.len(),
            Outgoing::File { header, .. } => header.len(),
        }
    }
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
pub(crate) async fn write_queue<W: Sink>(
    mut out: W,
    mut queue: QueueReceiver,
    stall: Duration,
    slot: OwnedSemaphorePermit,
) -> Result<Written, WriteError> {
    let mut written = Written::default();
    let mut lines = VecDeque::new();
    while let Some(first) = queue.recv().await {
        let mut next = Some(first);
        // Everything already queued goes out in this wake-up: lines in one vectored write,
        // a file's header with them and its payload after.
        while let Some(item) = next.take() {
            match item {
                Outgoing::Line(line) => lines.push_back(line),
                Outgoing::File {
                    header,
                    download,
                    permit,
                } => {
                    lines.push_back(header);
                    flush(&mut out, &mut lines, &queue, &mut written, stall).await?;
                    written.bytes += file::send(&mut out, download, stall).await?;
                    drop(permit);
                }
            }
            next = queue.try_recv();
        }
        flush(&mut out, &mut lines, &queue, &mut written, stall).await?;
        if lines.capacity() > KEEP_SLOTS {
            lines.shrink_to(KEEP_SLOTS);
        }
    }
    drop(slot);
    timed(stall, out.shutdown()).await?;
    Ok(written)
}

/// Writes `lines` whole, in order, and releases their room in the queue.
async fn flush<W: AsyncWrite + Unpin>(
    out: &mut W,
    lines: &mut VecDeque<Bytes>,
    queue: &QueueReceiver,
    written: &mut Written,
    stall: Duration,
) -> Result<(), WriteError> {
    let octets: usize = lines.iter().map(Bytes::len).sum();
    written.messages += lines.len() as u64;
    write_lines(out, lines, stall).await?;
    written.bytes += octets as u64;
    queue.release(octets);
    Ok(())
}

/// Writes `lines` with as few vectored writes as the socket allows, emptying the list.
async fn write_lines<W: AsyncWrite + Unpin>(
    out: &mut W,
    lines: &mut VecDeque<Bytes>,
    stall: Duration,
) -> Result<(), WriteError> {
    while !lines.is_empty() {
        let n = timed(
            stall,
            std::future::poll_fn(|cx| {
                // The slice array is filled on each poll: sized to the lines, not always to the
                // largest (16 KiB of slices to clear for one `OK` would dominate).
                match lines.len() {
                    ..=8 => poll_write_lines::<8, _>(out, cx, lines),
                    9..=64 => poll_write_lines::<64, _>(out, cx, lines),
                    _ => poll_write_lines::<MAX_SLICES, _>(out, cx, lines),
                }
            }),
        )
        .await?;
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::WriteZero).into());
        }
        advance(lines, n);
    }
    Ok(())
}

/// One vectored write of the first `N` lines (at most).
fn poll_write_lines<const N: usize, W: AsyncWrite + Unpin>(
    out: &mut W,
    cx: &mut std::task::Context<'_>,
    lines: &VecDeque<Bytes>,
) -> std::task::Poll<io::Result<usize>> {
    let mut slices = [IoSlice::new(&[]); N];
    let mut used = 0;
    for (slot, line) in slices.iter_mut().zip(lines.iter()) {
        *slot = IoSlice::new(line);
        used += 1;
    }
    Pin::new(out).poll_write_vectored(cx, &slices[..used])
}

/// Drops the first `n` octets of `lines`: whole lines, then the front of a partly written one.
fn advance(lines: &mut VecDeque<Bytes>, mut n: usize) {
    while n > 0 {
        let Some(front) = lines.front_mut() else {
            return;
        };
        if n < front.len() {
            let _ = front.split_to(n);
            return;
        }
        n -= front.len();
        lines.pop_front();
    }
}

/// `f`, failing with [`WriteError::Stalled`] if it takes longer than `stall`.
async fn timed<T>(
    stall: Duration,
    f: impl Future<Output = io::Result<T>>,
) -> Result<T, WriteError> {
    match tokio::time::timeout(stall, f).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(WriteError::Stalled(stall)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_drops_whole_lines_then_the_front_of_one() {
        let mut lines: VecDeque<Bytes> = [&b"OK\n"[..], b"FROM a hi\n", b"PONG\n"]
            .into_iter()
            .map(Bytes::from_static)
            .collect();
        advance(&mut lines, 3 + 5);
        assert_eq!(lines, ["a hi\n", "PONG\n"]);
        advance(&mut lines, 5);
        assert_eq!(lines, ["PONG\n"]);
        advance(&mut lines, 5);
        assert!(lines.is_empty());
    }
}
