//! The UDP chat (spec §10): one message per datagram, a room of registered source addresses.
//!
//! One task serves the socket. Each datagram is decoded with [`wire::decode_datagram`] and
//! answered with one datagram to its source address; a `MSG` from a registered address first
//! sends `FROM` to every other registered address (UDP-5). Peers silent for longer than
//! [`Config::udp_peer_expiry`] are dropped without notice (UDP-13). The UDP room is separate from
//! the TCP one (UDP-11).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};
use wire::{
    ClientMessage, DecodeError, Decoded, ErrorCode, Limits, MalformedKind, Name, Part, PartDecoder,
    ServerMessage, Text,
};

mod peers;

#[cfg(test)]
use self::peers::Conflict;
use self::peers::Peers;
use super::message::{HELLO_FIRST, encode, err, goodbye, welcome};
use crate::config::Config;

/// The most UDP peers registered at once: a `HELLO` beyond gets `ERR 503` (spec §11). Each
/// costs a few hundred bytes; the bound keeps a flood of source ports from growing the table.
pub(crate) const MAX_UDP_PEERS: usize = 4096;
/// Relays (`MSG`s being fanned out) waiting for the relay task: a `MSG` beyond gets `ERR 503`.
const RELAYS_QUEUED: usize = 64;

/// One `FROM` datagram for these addresses.
#[derive(Debug)]
struct Relay {
    datagram: Bytes,
    to: Vec<SocketAddr>,
}

/// Sends each relay to its addresses, apart from the task that answers requests: a `MSG` to
/// thousands of peers never delays another client's `PONG`.
async fn relay(socket: Arc<UdpSocket>, mut queue: mpsc::Receiver<Relay>) {
    while let Some(Relay { datagram, to }) = queue.recv().await {
        for addr in to {
            if let Err(e) = socket.send_to(&datagram, addr).await {
                debug!(%addr, error = %e, "UDP relay failed");
            }
        }
    }
}

/// Serves `socket` until `stop` is cancelled.
pub(crate) async fn serve(socket: UdpSocket, config: Config, stop: CancellationToken) {
    let socket = Arc::new(socket);
    let max = config.max_datagram;
    // One octet more than the limit, to tell a datagram at the limit from a larger one.
    let mut buf = vec![0u8; max + 1];
    let mut peers = Peers::new(config.udp_peer_expiry);
    let mut sweep = tokio::time::interval(sweep_period(config.udp_peer_expiry));
    let (relays, queue) = mpsc::channel(RELAYS_QUEUED);
    let relaying = tokio::spawn(relay(Arc::clone(&socket), queue));
    let udp = Udp {
        socket: &socket,
        limits: config.datagram_limits(),
        relays,
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
    drop(udp);
    let _ = relaying.await;
}

/// How often the peer table is swept: expiry is also checked on every use.
fn sweep_period(expiry: Duration) -> Duration {
    (expiry / 4).clamp(Duration::from_millis(10), Duration::from_secs(30))
}

#[derive(Debug)]
struct Udp<'a> {
    socket: &'a UdpSocket,
    limits: Limits,
    relays: mpsc::Sender<Relay>,
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
            ClientMessage::Hello(_) if peers.is_full() && peers.name_of(from).is_none() => {
                info!(%from, "UDP HELLO, peer table full -> ERR 503");
                let message = format!("server busy: {MAX_UDP_PEERS} UDP peers registered");
                self.reply_err(from, ErrorCode::BUSY, message).await;
            }
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
        let to = peers.others(from);
        let recipients = to.len();
        let relay = Relay {
            datagram: encode(&ServerMessage::From { name, text: line }),
            to,
        };
        if self.relays.try_send(relay).is_err() {
            info!(%from, "UDP MSG, relays backed up -> ERR 503");
            let message = "server busy: too many messages being relayed".to_owned();
            return self.reply_err(from, ErrorCode::BUSY, message).await;
        }
        info!(%from, recipients, "UDP MSG -> OK");
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
