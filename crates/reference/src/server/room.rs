//! The TCP chat room: who holds which name, and the relay of `FROM` lines (spec §4.2, §11.3).
//!
//! Each member is reached through its connection's outgoing queue, bounded in octets. A relay
//! encodes the `FROM` once and queues the same `Bytes` to every member; it never waits for a
//! member: it uses `try_send`, and a member whose queue cannot take the line (its client does not
//! read) is removed from the room and its connection cut (CONN-6, CONN-7). The lock is held only
//! while queueing, never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use wire::Name;

use super::outbox::{Outgoing, QueueSender, TrySendError};

/// The introduced connections, by name.
#[derive(Debug, Default)]
pub(crate) struct Room {
    members: Mutex<HashMap<Name, Member>>,
}

/// One introduced connection, as the room sees it.
#[derive(Debug)]
struct Member {
    /// Connection id, so a late leave cannot remove a newer holder of the same name.
    id: u64,
    queue: QueueSender,
    /// Cancelled to cut the connection when its queue overflows.
    cut: CancellationToken,
}

/// The name was taken by another connection (ERR 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NameInUse;

/// What one relay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Relayed {
    /// Members the line was queued to.
    pub(crate) delivered: usize,
    /// Members cut off because their queue was full.
    pub(crate) cut: usize,
}

impl Room {
    fn lock(&self) -> MutexGuard<'_, HashMap<Name, Member>> {
        // A panic while holding the lock leaves a consistent map: keep serving.
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds connection `id` under `name`, and runs `welcome` (which queues the `WELCOME` reply)
    /// under the same lock: the connection becomes a recipient of `FROM` lines exactly when its
    /// `WELCOME` is queued (CHAT-4), so no `FROM` can overtake it.
    pub(crate) fn join(
        &self,
        name: &Name,
        id: u64,
        queue: QueueSender,
        cut: CancellationToken,
        welcome: impl FnOnce(),
    ) -> Result<(), NameInUse> {
        let mut members = self.lock();
        if members.contains_key(name) {
            return Err(NameInUse);
        }
        members.insert(name.clone(), Member { id, queue, cut });
        welcome();
        Ok(())
    }

    /// Removes connection `id` from the room, freeing `name` (CONN-3).
    pub(crate) fn leave(&self, name: &Name, id: u64) {
        let mut members = self.lock();
        if members.get(name).is_some_and(|m| m.id == id) {
            members.remove(name);
        }
    }

    /// Queues `line` (an encoded `FROM`) to every member but `author` (CHAT-1, CHAT-2).
    pub(crate) fn relay(&self, author: &Name, line: &Bytes) -> Relayed {
        let mut relayed = Relayed::default();
        self.lock().retain(|name, member| {
            if name == author {
                return true;
            }
            match member.queue.try_send(Outgoing::Line(line.clone())) {
                Ok(()) => {
                    relayed.delivered += 1;
                    true
                }
                Err(TrySendError::Full) => {
                    tracing::warn!(conn = member.id, %name, "outgoing queue full: client does not read, disconnecting it");
                    member.cut.cancel();
                    relayed.cut += 1;
                    false
                }
                // Its connection is ending; it leaves the room by itself.
                Err(TrySendError::Closed) => false,
            }
        });
        relayed
    }

    /// Number of introduced connections.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A connection's place in the room: leaves it when dropped, however the connection ends.
#[derive(Debug)]
pub(crate) struct Membership {
    room: Arc<Room>,
    name: Name,
    id: u64,
}

impl Membership {
    /// Joins `room` as `name`; see [`Room::join`].
    pub(crate) fn join(
        room: &Arc<Room>,
        name: &Name,
        id: u64,
        queue: QueueSender,
        cut: CancellationToken,
        welcome: impl FnOnce(),
    ) -> Result<Membership, NameInUse> {
        room.join(name, id, queue, cut, welcome)?;
        Ok(Membership {
            room: Arc::clone(room),
            name: name.clone(),
            id,
        })
    }

    /// The name this connection holds.
    pub(crate) fn name(&self) -> &Name {
        &self.name
    }

    /// Queues `line` to every other member.
    pub(crate) fn relay(&self, line: &Bytes) -> Relayed {
        self.room.relay(&self.name, line)
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.room.leave(&self.name, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::outbox::queue;

    fn name(n: &str) -> Name {
        Name::new(n).unwrap()
    }

    #[test]
    fn relay_skips_author_and_cuts_full_queues() {
        let room = Arc::new(Room::default());
        let line = Bytes::from_static(b"FROM a hi\n");
        let (a_tx, mut a_rx) = queue(4 * line.len());
        let (b_tx, mut b_rx) = queue(4 * line.len());
        // Room for one line only.
        let (s_tx, _s_rx) = queue(line.len());
        let s_cut = CancellationToken::new();
        let none = CancellationToken::new;
        let a = Membership::join(&room, &name("a"), 1, a_tx, none(), || {}).unwrap();
        let _b = Membership::join(&room, &name("b"), 2, b_tx, none(), || {}).unwrap();
        let _s = Membership::join(&room, &name("s"), 3, s_tx, s_cut.clone(), || {}).unwrap();
        let taken = room.join(&name("a"), 9, queue(1).0, none(), || {
            panic!("no welcome for a taken name")
        });
        assert_eq!(taken, Err(NameInUse));

        assert_eq!(
            a.relay(&line),
            Relayed {
                delivered: 2,
                cut: 0
            }
        );
        assert_eq!(
            a.relay(&line),
            Relayed {
                delivered: 1,
                cut: 1
            }
        );
        assert!(s_cut.is_cancelled());
        assert_eq!(room.len(), 2);
        assert!(a_rx.try_recv().is_none(), "no echo to the author");
        assert!(b_rx.try_recv().is_some() && b_rx.try_recv().is_some());

        drop(a);
        assert_eq!(room.len(), 1, "a left on drop");
        // A stale leave for a reused name removes nothing.
        room.leave(&name("b"), 99);
        assert_eq!(room.len(), 1);
    }
}
