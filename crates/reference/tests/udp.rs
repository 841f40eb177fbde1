//! The datagram chat over loopback (spec §10).

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{TestServer, within};
use tokio::net::UdpSocket;
use wire::{Decoded, Limits, ServerMessage};

struct Peer {
    socket: UdpSocket,
}

impl Peer {
    async fn new(server: SocketAddr) -> Peer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(server).await.unwrap();
        Peer { socket }
    }

    async fn send(&self, datagram: &[u8]) {
        self.socket.send(datagram).await.unwrap();
    }

    async fn recv(&self) -> String {
        let mut buf = vec![0u8; 65536];
        let n = within(self.socket.recv(&mut buf)).await.unwrap();
        assert!(buf[..n].ends_with(b"\n"), "server datagrams end in LF");
        match wire::decode_datagram::<ServerMessage>(&buf[..n], Limits::default()).unwrap() {
            Decoded::Message(m) => m.to_string(),
            Decoded::Malformed(m) => panic!("malformed datagram: {m}"),
        }
    }

    async fn expect(&self, datagram: &[u8], reply: &str) {
        self.send(datagram).await;
        assert_eq!(
            self.recv().await,
            reply,
            "{}",
            String::from_utf8_lossy(datagram)
        );
    }

    async fn expect_err(&self, datagram: &[u8], code: u16) {
        self.send(datagram).await;
        let reply = self.recv().await;
        assert!(reply.starts_with(&format!("ERR {code} ")), "{reply}");
    }
}

/// Spec §12.7 and UDP-1..UDP-12: registration, 409, relay of FROM to every other registered
/// address before the author's OK, 405 for transfers, 400 and 413, BYE unregistering, and
/// rooms separate from TCP.
#[tokio::test]
async fn udp_relay() {
    let server = TestServer::start(true, |_| {}).await;
    let a = Peer::new(server.addr).await;
    let b = Peer::new(server.addr).await;
    let c = Peer::new(server.addr).await;
    let stranger = Peer::new(server.addr).await;

    a.expect(b"HELLO alice", "WELCOME hello alice").await;
    b.expect(b"HELLO bob\n", "WELCOME hello bob").await;
    c.expect_err(b"HELLO bob\r\n", 409).await;
    c.expect(b"HELLO carol", "WELCOME hello carol").await;
    a.expect_err(b"HELLO other", 409).await;

    a.send(b"MSG hi").await;
    assert_eq!(b.recv().await, "FROM alice hi");
    assert_eq!(c.recv().await, "FROM alice hi");
    assert_eq!(a.recv().await, "OK");

    stranger.expect_err(b"MSG who am i", 401).await;
    stranger.expect(b"PING 7", "PONG 7").await;
    b.expect_err(b"GET docs/readme.txt", 405).await;
    b.expect_err(b"PUT a.txt 5\nhello", 405).await;
    b.expect_err(b"PUT a.txt 5\n", 405).await;
    b.expect_err(b"GET a.txt\nPING", 405).await;
    b.expect_err(b"PING\nPING", 400).await;
    b.expect_err(b"", 400).await;
    b.expect_err(b"hello bob", 400).await;
    b.expect_err(&vec![b'x'; 5000], 413).await;

    c.expect(b"BYE", "BYE goodbye").await;
    a.send(b"MSG bye carol").await;
    assert_eq!(b.recv().await, "FROM alice bye carol");
    assert_eq!(a.recv().await, "OK");
    c.expect_err(b"MSG still here?", 401).await;
    // carol got nothing after leaving: its next datagram is the reply to its PING.
    c.expect(b"PING x", "PONG x").await;

    // UDP-11: a TCP `alice` is not the UDP one, and chat does not cross.
    let mut tcp = server.hello("alice").await;
    a.send(b"MSG udp only").await;
    assert_eq!(b.recv().await, "FROM alice udp only");
    assert_eq!(a.recv().await, "OK");
    assert!(tcp.barrier("tcp").await.is_empty());
}

/// UDP-10, UDP-16, UDP-15 at a datagram limit of exactly 1024: every octet counts, terminator
/// included, so 1024 octets pass however they end and 1025 get ERR 413; a datagram ending in a
/// lone CR is malformed.
#[tokio::test]
async fn datagram_size_counts_every_octet() {
    let server = TestServer::start(true, |c| c.max_datagram = 1024).await;
    let a = Peer::new(server.addr).await;
    a.expect(b"HELLO alice", "WELCOME hello alice").await;
    for ending in ["\n", "\r\n", ""] {
        let text = "y".repeat(1024 - 4 - ending.len());
        let datagram = format!("MSG {text}{ending}");
        assert_eq!(datagram.len(), 1024);
        a.expect(datagram.as_bytes(), "OK").await;
    }
    a.expect_err(format!("MSG {}\n", "y".repeat(1020)).as_bytes(), 413)
        .await;
    a.expect_err(b"PING t\r", 400).await;
    a.expect_err(b"MSG lone\r", 400).await;
    a.expect(b"PING t\r\n", "PONG t").await;
}

/// UDP-14: a refused datagram (here ERR 405) refreshes its registered sender like any other: a
/// peer heard from within the expiry keeps its name, a silent one loses it.
#[tokio::test]
async fn any_datagram_refreshes_its_sender() {
    let expiry = Duration::from_millis(1000);
    let step = Duration::from_millis(600);
    let server = TestServer::start(true, |c| c.udp_peer_expiry = expiry).await;
    let a = Peer::new(server.addr).await;
    let quiet = Peer::new(server.addr).await;
    let other = Peer::new(server.addr).await;
    a.expect(b"HELLO alice", "WELCOME hello alice").await;
    quiet.expect(b"HELLO quinn", "WELCOME hello quinn").await;
    // Waiting out the expiry the test is about, not synchronising with the server.
    tokio::time::sleep(step).await;
    a.expect_err(b"GET docs/readme.txt", 405).await;
    tokio::time::sleep(step).await;
    // 1.2 s after their HELLO: alice spoke 0.6 s ago and is still registered; quinn expired.
    other.expect_err(b"HELLO alice", 409).await;
    other.expect(b"HELLO quinn", "WELCOME hello quinn").await;
}
