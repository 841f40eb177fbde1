//! Connections that have not said `HELLO` yet, oldest first: when the server is full, the
//! oldest of them that has had [`EVICT_AFTER`] to speak gives way to a new connection. A
//! client that connects and says nothing, or trickles a line that never ends, can then hold no
//! slot that a real client needs (spec §11, the lockout policy).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

/// How long a new connection has to say `HELLO` before it may be evicted for another.
pub(crate) const EVICT_AFTER: Duration = Duration::from_secs(2);

/// The connections still in state CONNECTED.
#[derive(Debug, Default)]
pub(crate) struct Lobby {
    waiting: Mutex<BTreeMap<u64, (Instant, CancellationToken)>>,
}

impl Lobby {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, (Instant, CancellationToken)>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connection `id` has arrived; cancelling the token evicts it.
    pub(crate) fn enter(&self, id: u64) -> CancellationToken {
        let token = CancellationToken::new();
        self.lock().insert(id, (Instant::now(), token.clone()));
        token
    }

    /// Connection `id` said `HELLO`, or ended: it can no longer be evicted.
    pub(crate) fn leave(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Evicts the connection that has waited longest, if it has waited [`EVICT_AFTER`]: `true`
    /// if one was told to go.
    pub(crate) fn evict_oldest(&self) -> bool {
        let mut waiting = self.lock();
        // Ids grow with time: the first entry is the oldest.
        let oldest = waiting
            .iter()
            .next()
            .filter(|(_, (since, _))| since.elapsed() >= EVICT_AFTER)
            .map(|(id, _)| *id);
        match oldest.and_then(|id| waiting.remove(&id)) {
            Some((_, token)) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}
