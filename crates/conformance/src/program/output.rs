//! What the program writes on stdout or stderr: drained from the pipe as fast as it comes, kept
//! bounded (a head and a tail), counted in full.
//!
//! ```text
//! byte 0 ......... head_cap | dropped, counted | total - tail.len() ......... total
//!        head (kept)                                    tail (kept; wait_for's window)
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};

/// The size of one read from the pipe.
const CHUNK: usize = 64 * 1024;

/// One output stream of the program, shared with the task that drains its pipe.
#[derive(Debug, Clone)]
pub struct Output {
    buffer: Arc<Mutex<Buffer>>,
    changed: watch::Receiver<()>,
}

/// What a stream held: the head and tail kept, and how much there was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The first bytes.
    pub head: Bytes,
    /// The last bytes, right after `head` unless `omitted` is not 0.
    pub tail: Bytes,
    /// Bytes between `head` and `tail` that were counted and dropped.
    pub omitted: u64,
    /// Every byte the program wrote on the stream.
    pub total: u64,
}

impl Captured {
    /// True when bytes were dropped between the head and the tail.
    pub fn is_cut(&self) -> bool {
        self.omitted > 0
    }

    /// The last `n` bytes kept (fewer when fewer were kept), for "the end of stderr".
    pub fn last(&self, n: usize) -> Bytes {
        if self.tail.len() >= n || self.is_cut() {
            return self.tail.slice(self.tail.len().saturating_sub(n)..);
        }
        let from_head = n - self.tail.len();
        let head = &self.head[self.head.len().saturating_sub(from_head)..];
        Bytes::from([head, &self.tail[..]].concat())
    }
}

#[derive(Debug)]
struct Buffer {
    head: Vec<u8>,
    head_cap: usize,
    tail: VecDeque<u8>,
    tail_cap: usize,
    total: u64,
    closed: bool,
}

impl Buffer {
    fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let room = self.head_cap - self.head.len();
        if room > 0 {
            let (into_head, rest) = bytes.split_at(room.min(bytes.len()));
            self.head.extend_from_slice(into_head);
            bytes = rest;
        }
        if bytes.len() >= self.tail_cap {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.tail_cap..]);
            return;
        }
        let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.tail_cap);
        self.tail.drain(..overflow);
        self.tail.extend(bytes);
    }

    /// The absolute position of the first byte of `tail`.
    fn tail_start(&self) -> usize {
        usize::try_from(self.total).unwrap_or(usize::MAX) - self.tail.len()
    }

    /// The bytes kept from position `from` on, contiguous: from the tail, or from the head
    /// too when nothing was dropped between them. Returns where they start.
    fn since(&self, from: usize) -> (usize, Vec<u8>) {
        let tail_start = self.tail_start();
        if from >= tail_start {
            let skip = (from - tail_start).min(self.tail.len());
            return (
                tail_start + skip,
                self.tail.range(skip..).copied().collect(),
            );
        }
        if tail_start == self.head.len() && from < self.head.len() {
            let mut bytes = self.head[from..].to_vec();
            bytes.extend(self.tail.iter());
            return (from, bytes);
        }
        (tail_start, self.tail.iter().copied().collect())
    }

    fn captured(&self) -> Captured {
        let kept = (self.head.len() + self.tail.len()) as u64;
        Captured {
            head: Bytes::copy_from_slice(&self.head),
            tail: self.tail.iter().copied().collect::<Vec<u8>>().into(),
            omitted: self.total - kept,
            total: self.total,
        }
    }
}

impl Output {
    /// An output keeping at most `keep` bytes (half head, half tail), drained from `pipe` by
    /// a task of the current runtime.
    pub(crate) fn drain(pipe: pipe::Receiver, keep: usize) -> (Output, JoinHandle<()>) {
        let half = (keep / 2).max(1);
        let buffer = Arc::new(Mutex::new(Buffer {
            head: Vec::new(),
            head_cap: half,
            tail: VecDeque::new(),
            tail_cap: half,
            total: 0,
            closed: false,
        }));
        let (tx, changed) = watch::channel(());
        let task = tokio::spawn(read_all(pipe, Arc::clone(&buffer), tx));
        (Output { buffer, changed }, task)
    }

    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes written so far: the position after the last one.
    pub fn position(&self) -> usize {
        usize::try_from(self.lock().total).unwrap_or(usize::MAX)
    }

    /// True once the pipe is closed: every process holding it ended or closed it.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// What the stream held so far.
    pub fn captured(&self) -> Captured {
        self.lock().captured()
    }

    /// Waits for text after position `from` that `matches` accepts: it is given the bytes
    /// from `from` on (at most the tail: earlier bytes are gone) and returns the end of the
    /// match in them. Ok: the position after the match and the bytes up to it. Err: the bytes
    /// that arrived, at the deadline or once the stream is closed with no match.
    pub async fn wait_for(
        &self,
        from: usize,
        matches: impl Fn(&[u8]) -> Option<usize>,
        deadline: Instant,
    ) -> Result<(usize, Bytes), Bytes> {
        let mut changed = self.changed.clone();
        loop {
            changed.mark_unchanged();
            let (start, bytes, closed) = {
                let buffer = self.lock();
                let (start, bytes) = buffer.since(from);
                (start, bytes, buffer.closed)
            };
            if let Some(end) = matches(&bytes).filter(|&end| end <= bytes.len()) {
                let mut bytes = bytes;
                bytes.truncate(end);
                return Ok((start + end, bytes.into()));
            }
            if closed {
                return Err(bytes.into());
            }
            match timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                // Closed: one more look, then the loop returns.
                Ok(Err(_)) => self.lock().closed = true,
                Err(_) => return Err(bytes.into()),
            }
        }
    }

    /// Waits until the stream is closed, or the deadline.
    pub(crate) async fn wait_closed(&self, deadline: Instant) -> bool {
        let mut changed = self.changed.clone();
        loop {
            if self.is_closed() {
                return true;
            }
            match timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

/// Reads the pipe to its end. A read error ends it like an end of file.
async fn read_all(mut pipe: pipe::Receiver, buffer: Arc<Mutex<Buffer>>, tx: watch::Sender<()>) {
    let mut chunk = vec![0; CHUNK];
    while let Ok(n @ 1..) = pipe.read(&mut chunk).await {
        buffer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(&chunk[..n]);
        tx.send_replace(());
    }
    buffer.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
    tx.send_replace(());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(cap: usize) -> Buffer {
        Buffer {
            head: Vec::new(),
            head_cap: cap,
            tail: VecDeque::new(),
            tail_cap: cap,
            total: 0,
            closed: false,
        }
    }

    #[test]
    fn keeps_head_and_tail_and_counts_all() {
        let mut b = buffer(4);
        b.push(b"abcdef");
        assert_eq!(b.captured().omitted, 0);
        assert_eq!(b.since(1), (1, b"bcdef".to_vec()));
        b.push(b"ghijklmnop");
        let c = b.captured();
        assert_eq!(
            (&c.head[..], &c.tail[..], c.omitted, c.total),
            (&b"abcd"[..], &b"mnop"[..], 8, 16)
        );
        assert_eq!(c.last(2), Bytes::from_static(b"op"));
        assert_eq!(b.since(0), (12, b"mnop".to_vec()));
        assert_eq!(b.since(14), (14, b"op".to_vec()));
        assert_eq!(b.since(99), (16, Vec::new()));
    }

    #[test]
    fn last_spans_head_and_tail_when_nothing_was_cut() {
        let mut b = buffer(4);
        b.push(b"abcdef");
        assert_eq!(b.captured().last(3), Bytes::from_static(b"def"));
    }
}
