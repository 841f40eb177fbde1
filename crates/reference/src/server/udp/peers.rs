//! The UDP room's registered peers: address to name and back, with the time each was last
//! heard, bounded by [`super::MAX_UDP_PEERS`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use wire::Name;

/// Registered UDP peers: address to name and back, with the time each was last heard.
#[derive(Debug)]
pub(super) struct Peers {
    expiry: Duration,
    by_addr: HashMap<SocketAddr, Peer>,
    by_name: HashMap<Name, SocketAddr>,
}

#[derive(Debug)]
struct Peer {
    name: Name,
    seen: Instant,
}

/// Why a `HELLO` over UDP is refused (ERR 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum Conflict {
    #[error("already registered as {0}")]
    AlreadyRegistered(Name),
    #[error("name in use: {0}")]
    NameInUse(Name),
}

impl Peers {
    pub(super) fn new(expiry: Duration) -> Self {
        Peers {
            expiry,
            by_addr: HashMap::new(),
            by_name: HashMap::new(),
        }
    }

    pub(super) fn is_full(&self) -> bool {
        self.by_addr.len() >= super::MAX_UDP_PEERS
    }

    fn expired(&self, peer: &Peer, now: Instant) -> bool {
        now.saturating_duration_since(peer.seen) > self.expiry
    }

    /// Drops every peer silent for longer than the expiry; returns how many.
    pub(super) fn expire(&mut self, now: Instant) -> usize {
        let stale: Vec<SocketAddr> = self
            .by_addr
            .iter()
            .filter(|(_, peer)| self.expired(peer, now))
            .map(|(addr, _)| *addr)
            .collect();
        for addr in &stale {
            self.unregister(*addr);
        }
        stale.len()
    }

    /// Refreshes `addr` if it is registered and not expired; drops it if expired.
    pub(super) fn touch(&mut self, addr: SocketAddr, now: Instant) {
        let expired = match self.by_addr.get(&addr) {
            Some(peer) => self.expired(peer, now),
            None => return,
        };
        if expired {
            self.unregister(addr);
        } else if let Some(peer) = self.by_addr.get_mut(&addr) {
            peer.seen = now;
        }
    }

    pub(super) fn register(
        &mut self,
        addr: SocketAddr,
        name: &Name,
        now: Instant,
    ) -> Result<(), Conflict> {
        if let Some(peer) = self.by_addr.get(&addr) {
            return Err(Conflict::AlreadyRegistered(peer.name.clone()));
        }
        if let Some(&holder) = self.by_name.get(name) {
            let holder_expired = self
                .by_addr
                .get(&holder)
                .is_none_or(|p| self.expired(p, now));
            if !holder_expired {
                return Err(Conflict::NameInUse(name.clone()));
            }
            self.unregister(holder);
        }
        self.by_name.insert(name.clone(), addr);
        self.by_addr.insert(
            addr,
            Peer {
                name: name.clone(),
                seen: now,
            },
        );
        Ok(())
    }

    pub(super) fn unregister(&mut self, addr: SocketAddr) -> Option<Name> {
        let peer = self.by_addr.remove(&addr)?;
        self.by_name.remove(&peer.name);
        Some(peer.name)
    }

    pub(super) fn name_of(&self, addr: SocketAddr) -> Option<&Name> {
        self.by_addr.get(&addr).map(|p| &p.name)
    }

    /// Every registered address but `addr`.
    pub(super) fn others(&self, addr: SocketAddr) -> Vec<SocketAddr> {
        self.by_addr
            .keys()
            .copied()
            .filter(|a| *a != addr)
            .collect()
    }
}
