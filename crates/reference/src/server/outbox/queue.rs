//! A connection's outgoing queue, bounded in octets rather than messages.
//!
//! A count bound treats a 3-octet `OK` like a 4 KiB `FROM`: set for the large ones it lets a
//! burst of small ones cut clients that do read. Here every queued line counts its length (a
//! `FILE` counts its header line; its payload is streamed from the open file, and the open files
//! are bounded apart). The octets are released once written to the socket, so the bound covers
//! what the writer holds too.
//!
//! - the relay uses [`QueueSender::try_send`]: never waits, `Full` when the line does not fit;
//! - the connection's own replies use [`QueueSender::send`]: waits for room (TCP pushes back on
//!   the client that sends requests faster than it reads replies);
//! - a message always fits an empty queue, so a bound below one line cannot deadlock.
//!
//! The queue itself is tokio's unbounded channel (it allocates in blocks of slots, not per
//! message); the bound is the shared counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc};

use super::Outgoing;

/// The octets queued and the bound, shared by every sender and the writer.
#[derive(Debug)]
struct Budget {
    queued: AtomicUsize,
    limit: usize,
    /// Signalled when the writer releases octets.
    room: Notify,
}

impl Budget {
    /// Takes `cost` octets if they fit (or the queue is empty); whether they were taken.
    fn try_take(&self, cost: usize) -> bool {
        self.queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                (queued == 0 || queued.saturating_add(cost) <= self.limit)
                    .then(|| queued.saturating_add(cost))
            })
            .is_ok()
    }
}

/// Why a message could not be queued without waiting.
#[derive(Debug)]
pub(crate) enum TrySendError {
    /// The queue holds its bound: the client does not read fast enough.
    Full,
    /// The writer is gone.
    Closed,
}

/// The writer is gone: nothing more can be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

/// The sending side; cloned for the room.
#[derive(Debug, Clone)]
pub(crate) struct QueueSender {
    tx: mpsc::UnboundedSender<Outgoing>,
    budget: Arc<Budget>,
}

/// The writer's side.
#[derive(Debug)]
pub(crate) struct QueueReceiver {
    rx: mpsc::UnboundedReceiver<Outgoing>,
    budget: Arc<Budget>,
}

/// A queue holding at most `limit` octets (but always one message).
pub(crate) fn queue(limit: usize) -> (QueueSender, QueueReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    let budget = Arc::new(Budget {
        queued: AtomicUsize::new(0),
        limit,
        room: Notify::new(),
    });
    (
        QueueSender {
            tx,
            budget: Arc::clone(&budget),
        },
        QueueReceiver { rx, budget },
    )
}

impl QueueSender {
    /// Queues `item` if it fits now.
    pub(crate) fn try_send(&self, item: Outgoing) -> Result<(), TrySendError> {
        let cost = item.cost();
        if !self.budget.try_take(cost) {
            return Err(TrySendError::Full);
        }
        self.push(item, cost).map_err(|Closed| TrySendError::Closed)
    }

    /// Queues `item`, waiting until it fits.
    pub(crate) async fn send(&self, item: Outgoing) -> Result<(), Closed> {
        let cost = item.cost();
        self.wait_for(cost).await?;
        self.push(item, cost)
    }

    /// Waits until `cost` octets fit, and takes them.
    async fn wait_for(&self, cost: usize) -> Result<(), Closed> {
        loop {
            let room = self.budget.room.notified();
            let mut room = std::pin::pin!(room);
            // Registered before the check: a release between the check and the wait wakes it.
            room.as_mut().enable();
            if self.budget.try_take(cost) {
                return Ok(());
            }
            if self.tx.is_closed() {
                return Err(Closed);
            }
            tokio::select! {
                () = room => {}
                () = self.tx.closed() => return Err(Closed),
            }
        }
    }

    /// Queues `item` without looking at the bound (the caller has taken its `cost`).
    fn push(&self, item: Outgoing, cost: usize) -> Result<(), Closed> {
        self.tx.send(item).map_err(|_| {
            self.budget.queued.fetch_sub(cost, Ordering::AcqRel);
            Closed
        })
    }

    /// Takes room for `cost` octets now, waiting if needed, so that a message of that cost can
    /// later be queued with [`Reserved::send`] without waiting (under a lock, say).
    pub(crate) async fn reserve(&self, cost: usize) -> Result<Reserved, Closed> {
        self.wait_for(cost).await?;
        Ok(Reserved {
            queue: self.clone(),
            cost,
            used: false,
        })
    }
}

/// Room taken in a queue by [`QueueSender::reserve`]; given back if not used.
#[derive(Debug)]
pub(crate) struct Reserved {
    queue: QueueSender,
    cost: usize,
    used: bool,
}

impl Reserved {
    /// Queues `item` in the room taken (its cost should be the one reserved).
    pub(crate) fn send(mut self, item: Outgoing) {
        self.used = true;
        let cost = item.cost();
        // The writer releases the cost of the item: count that, not the room reserved.
        match cost.cmp(&self.cost) {
            std::cmp::Ordering::Greater => {
                let extra = cost - self.cost;
                self.queue.budget.queued.fetch_add(extra, Ordering::AcqRel);
            }
            std::cmp::Ordering::Less => self.queue.budget.release(self.cost - cost),
            std::cmp::Ordering::Equal => {}
        }
        let _ = self.queue.push(item, cost);
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if !self.used {
            self.queue.budget.release(self.cost);
        }
    }
}

impl Budget {
    fn release(&self, octets: usize) {
        self.queued.fetch_sub(octets, Ordering::AcqRel);
        self.room.notify_waiters();
    }
}

impl QueueReceiver {
    /// The next message; `None` once every sender is gone and the queue is empty.
    pub(crate) async fn recv(&mut self) -> Option<Outgoing> {
        self.rx.recv().await
    }

    /// The next message if one is queued.
    pub(crate) fn try_recv(&mut self) -> Option<Outgoing> {
        self.rx.try_recv().ok()
    }

    /// Gives back the room of messages written: `octets` is the sum of their costs.
    pub(crate) fn release(&self, octets: usize) {
        if octets > 0 {
            self.budget.release(octets);
        }
    }

    /// Octets queued and not yet released.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.budget.queued.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn line(n: usize) -> Outgoing {
        Outgoing::Line(Bytes::from(vec![b'x'; n]))
    }

    #[test]
    fn the_bound_is_in_octets_and_one_message_always_fits() {
        let (tx, mut rx) = queue(100);
        // One message larger than the bound fits an empty queue.
        assert!(tx.try_send(line(150)).is_ok());
        assert!(matches!(tx.try_send(line(1)), Err(TrySendError::Full)));
        assert!(rx.try_recv().is_some());
        rx.release(150);
        // Many small lines fit where a count of messages would have cut them.
        for _ in 0..33 {
            assert!(tx.try_send(line(3)).is_ok());
        }
        assert!(matches!(tx.try_send(line(3)), Err(TrySendError::Full)));
        assert_eq!(rx.queued(), 99);
        drop(rx);
        assert!(matches!(
            tx.try_send(line(0)),
            Err(TrySendError::Full) | Err(TrySendError::Closed)
        ));
    }

    #[tokio::test]
    async fn send_waits_for_the_writer_to_release_room() {
        let (tx, mut rx) = queue(10);
        tx.send(line(8)).await.unwrap();
        let waiting = tokio::spawn({
            let tx = tx.clone();
            async move { tx.send(line(8)).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "no room yet");
        assert!(rx.recv().await.is_some());
        rx.release(8);
        let sent = tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await;
        assert_eq!(sent.unwrap().unwrap(), Ok(()));
        assert_eq!(rx.queued(), 8);
    }

    #[tokio::test]
    async fn send_fails_once_the_writer_is_gone() {
        let (tx, rx) = queue(10);
        tx.send(line(8)).await.unwrap();
        let waiting = tokio::spawn({
            let tx = tx.clone();
            async move { tx.send(line(8)).await }
        });
        drop(rx);
        let sent = tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await;
        assert_eq!(sent.unwrap().unwrap(), Err(Closed));
    }
}
