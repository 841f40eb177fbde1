//! The UDP chat (spec §10): one message per datagram, a room of registered source addresses.
//!
//! One task serves the socket. Each datagram is decoded with [`wire::decode_datagram`] and
//! answered with one datagram to its source address; a `MSG` from a registered address first
//! sends `FROM` to every other registered address (UDP-5). Peers silent for longer than
//! [`Config::udp_peer_expiry`] are dropped without notice (UDP-13). The UDP room is separate from
//! the TCP one (UDP-11).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};
use wire::{
    ClientMessage, DecodeError, Decoded, ErrorCode, Limits, MalformedKind, Name, Part, PartDecoder,
    ServerMessage, Text,
};

use super::message::{HELLO_FIRST, encode, err, goodbye, welcome};
use crate::config::Config;

/// Serves `socket` until `stop` is cancelled.
pub(crate) async fn serve(socket: UdpSocket, config: Config, stop: CancellationToken) {
    let max = config.max_datagram;
    // One octet more than the limit, to tell a datagram at the limit from a larger one.
    let mut buf = vec![0u8; max + 1];
    let mut peers = Peers::new(config.udp_peer_expiry);
    let mut sweep = tokio::time::interval(sweep_period(config.udp_peer_expiry));
    let udp = Udp {
        socket: &socket,
        limits: config.datagram_limits(),
    };
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = sweep.tick() => {
                let dropped = peers.expire(Instant::now());
                if dropped > 0 {
                    debug!(dropped, "expired silent UDP peers");
                }
            }
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, from)) => udp.handle(&mut peers, &buf[..n], n > max, from).await,
                // ICMP errors for earlier sends and the like: nothing to answer.
                Err(e) => debug!(error = %e, "UDP receive failed"),
            },
        }
    }
}

/// How often the peer table is swept: expiry is also checked on every use.
fn sweep_period(expiry: Duration) -> Duration {
    (expiry / 4).clamp(Duration::from_millis(10), Duration::from_secs(30))
}

#[derive(Debug)]
struct Udp<'a> {
    socket: &'a UdpSocket,
    limits: Limits,
}

impl Udp<'_> {
    /// Answers one datagram from `from`.
    async fn handle(&self, peers: &mut Peers, datagram: &[u8], oversized: bool, from: SocketAddr) {
        let now = Instant::now();
        // Any datagram from a registered, unexpired address refreshes it.
        peers.touch(from, now);
        if let Some(request) = self.decode(datagram, oversized, from).await {
            self.on_request(peers, request, from, now).await;
        }
    }

    /// The datagram's request; `None` when it is refused (and answered) as it stands.
    async fn decode(
        &self,
        datagram: &[u8],
        oversized: bool,
        from: SocketAddr,
    ) -> Option<ClientMessage> {
        if oversized {
            info!(%from, "UDP datagram too large -> ERR 413");
            let message = format!("datagram too large: over {} bytes", self.limits.max_line);
            self.reply_err(from, ErrorCode::TOO_LARGE, message).await;
            return None;
        }
        match wire::decode_datagram::<ClientMessage>(datagram, self.limits) {
            Ok(Decoded::Message(m)) => return Some(m),
            Ok(Decoded::Malformed(m))
                if m.kind == MalformedKind::TrailingBytes && self.is_transfer(datagram) =>
            {
                self.wrong_transport(from).await;
            }
            Ok(Decoded::Malformed(m)) => {
                info!(%from, "UDP malformed -> ERR 400");
                self.reply_err(from, ErrorCode::MALFORMED, m.kind.to_string())
                    .await;
            }
            // Only a `PUT` line announces a payload: its absence or size does not matter here.
            Err(DecodeError::PayloadTooLarge { .. } | DecodeError::Truncated { .. }) => {
                self.wrong_transport(from).await;
            }
            Err(DecodeError::LineTooLong { .. }) => {
                let message = "datagram too large".to_owned();
                self.reply_err(from, ErrorCode::TOO_LARGE, message).await;
            }
        }
        None
    }

    async fn on_request(
        &self,
        peers: &mut Peers,
        request: ClientMessage,
        from: SocketAddr,
        now: Instant,
    ) {
        match request {
            ClientMessage::Hello(name) => match peers.register(from, &name, now) {
                Ok(()) => {
                    info!(%from, %name, "UDP HELLO -> WELCOME");
                    self.reply(from, &welcome(&name)).await;
                }
                Err(conflict) => {
                    info!(%from, %name, "UDP HELLO -> ERR 409");
                    self.reply_err(from, ErrorCode::CONFLICT, conflict.to_string())
                        .await;
                }
            },
            ClientMessage::Msg(line) => self.on_msg(peers, line, from, now).await,
            ClientMessage::Ping(token) => {
                debug!(%from, "UDP PING -> PONG");
                self.reply(from, &ServerMessage::Pong(token)).await;
            }
            ClientMessage::Bye(_) => {
                let name = peers.unregister(from);
                info!(%from, name = ?name.as_ref().map(Name::as_str), "UDP BYE -> BYE");
                self.reply(from, &goodbye()).await;
            }
            ClientMessage::Get(_) | ClientMessage::Put { .. } => {
                self.wrong_transport(from).await;
            }
        }
    }

    /// `FROM` to every other registered peer, then `OK` (UDP-5).
    async fn on_msg(&self, peers: &mut Peers, line: Text, from: SocketAddr, now: Instant) {
        let Some(name) = peers.name_of(from).cloned() else {
            info!(%from, "UDP MSG unregistered -> ERR 401");
            let message = HELLO_FIRST.to_owned();
            return self.reply_err(from, ErrorCode::HELLO_FIRST, message).await;
        };
        peers.expire(now);
        let datagram = encode(&ServerMessage::From { name, text: line });
        let mut delivered = 0;
        for to in peers.others(from) {
            match self.socket.send_to(&datagram, to).await {
                Ok(_) => delivered += 1,
                Err(e) => debug!(%to, error = %e, "UDP send failed"),
            }
        }
        info!(%from, delivered, "UDP MSG -> OK");
        self.reply(from, &ServerMessage::Ok(None)).await;
    }

    /// Whether the datagram's first message is a well-formed `GET` or `PUT` line (UDP-8).
    fn is_transfer(&self, datagram: &[u8]) -> bool {
        let mut decoder = PartDecoder::<ClientMessage>::new(self.limits);
        let mut buf = BytesMut::from(datagram);
        matches!(
            decoder.decode(&mut buf),
            Ok(Some(Decoded::Message(
                Part::Message(ClientMessage::Get(_)) | Part::PayloadStart { .. }
            ))) | Err(DecodeError::PayloadTooLarge { .. })
        )
    }

    async fn wrong_transport(&self, from: SocketAddr) {
        info!(%from, "UDP GET/PUT -> ERR 405");
        let message = "not available over UDP: use TCP for files".to_owned();
        self.reply_err(from, ErrorCode::WRONG_TRANSPORT, message)
            .await;
    }

    async fn reply_err(&self, to: SocketAddr, code: ErrorCode, message: String) {
        self.reply(to, &err(code, message)).await;
    }

    async fn reply(&self, to: SocketAddr, message: &ServerMessage) {
        if let Err(e) = self.socket.send_to(&encode(message), to).await {
            debug!(%to, error = %e, "UDP reply failed");
        }
    }
}

/// Registered UDP peers: address to name and back, with the time each was last heard.
#[derive(Debug)]
struct Peers {
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
enum Conflict {
    #[error("already registered as {0}")]
    AlreadyRegistered(Name),
    #[error("name in use: {0}")]
    NameInUse(Name),
}

impl Peers {
    fn new(expiry: Duration) -> Self {
        Peers {
            expiry,
            by_addr: HashMap::new(),
            by_name: HashMap::new(),
        }
    }

    fn expired(&self, peer: &Peer, now: Instant) -> bool {
        now.saturating_duration_since(peer.seen) > self.expiry
    }

    /// Drops every peer silent for longer than the expiry; returns how many.
    fn expire(&mut self, now: Instant) -> usize {
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
    fn touch(&mut self, addr: SocketAddr, now: Instant) {
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

    fn register(&mut self, addr: SocketAddr, name: &Name, now: Instant) -> Result<(), Conflict> {
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

    fn unregister(&mut self, addr: SocketAddr) -> Option<Name> {
        let peer = self.by_addr.remove(&addr)?;
        self.by_name.remove(&peer.name);
        Some(peer.name)
    }

    fn name_of(&self, addr: SocketAddr) -> Option<&Name> {
        self.by_addr.get(&addr).map(|p| &p.name)
    }

    /// Every registered address but `addr`.
    fn others(&self, addr: SocketAddr) -> Vec<SocketAddr> {
        self.by_addr
            .keys()
            .copied()
            .filter(|a| *a != addr)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_register_conflict_and_expire() {
        let t0 = Instant::now();
        let expiry = Duration::from_secs(60);
        let mut peers = Peers::new(expiry);
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let alice = Name::new("alice").unwrap();
        let bob = Name::new("bob").unwrap();

        assert_eq!(peers.register(a, &alice, t0), Ok(()));
        assert!(matches!(
            peers.register(a, &bob, t0),
            Err(Conflict::AlreadyRegistered(_))
        ));
        assert!(matches!(
            peers.register(b, &alice, t0),
            Err(Conflict::NameInUse(_))
        ));
        assert_eq!(peers.register(b, &bob, t0), Ok(()));
        assert_eq!(peers.others(a), vec![b]);

        // b keeps talking, a stays silent: just under the expiry nobody goes (UDP-13)...
        let almost = t0 + expiry - Duration::from_millis(1);
        peers.touch(b, almost);
        assert_eq!(peers.expire(almost), 0);
        // ...and past it a is dropped, its name free again.
        let later = t0 + expiry + Duration::from_millis(1);
        assert_eq!(peers.expire(later), 1);
        assert_eq!(peers.name_of(a), None);
        assert_eq!(peers.name_of(b), Some(&bob));
        assert_eq!(peers.register(a, &alice, later), Ok(()));

        // A name held by an expired (not yet swept) peer is free.
        let much_later = later + expiry * 2;
        peers.touch(a, much_later);
        assert_eq!(peers.register(a, &bob, much_later), Ok(()));
    }
}
