//! Listeners of the harness's own, for grading clients: bound on a free port before
//! the program starts (the first one's port is its `{port}`), accepted on first use.

use std::net::SocketAddr;

use tokio::net::{TcpListener, UdpSocket};
use tokio::time::{Instant, timeout_at};

use super::conn::{Conn, TcpConn, UdpConn};
use crate::scenario::{ConnId, Scenario, Transport};

/// A socket bound and not yet used.
#[derive(Debug)]
enum Bound {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

/// The listeners of one scenario run.
#[derive(Debug, Default)]
pub struct Listeners {
    bound: Vec<(ConnId, SocketAddr, Option<Bound>)>,
}

impl Listeners {
    /// Binds every listener of `scenario`, each on a free port of every local address: a
    /// client taught to connect to `socket.gethostname()` reaches it wherever its host name
    /// points (127.0.1.1 on Debian). It accepts one connection.
    pub async fn bind(scenario: &Scenario) -> std::io::Result<Listeners> {
        let any = SocketAddr::from(([0, 0, 0, 0], 0));
        let mut bound = Vec::new();
        for (id, c) in scenario.listeners() {
            let (addr, socket) = match c.transport {
                Transport::Tcp => {
                    let l = TcpListener::bind(any).await?;
                    (l.local_addr()?, Bound::Tcp(l))
                }
                Transport::Udp => {
                    let s = UdpSocket::bind(any).await?;
                    (s.local_addr()?, Bound::Udp(s))
                }
            };
            bound.push((id, addr, Some(socket)));
        }
        Ok(Listeners { bound })
    }

    /// The port a client program is given: the first listener's.
    pub fn port(&self) -> Option<u16> {
        self.bound.first().map(|(_, addr, _)| addr.port())
    }

    /// Where listener `id` listens.
    pub fn addr(&self, id: ConnId) -> Option<SocketAddr> {
        self.bound
            .iter()
            .find(|(c, ..)| *c == id)
            .map(|(_, a, _)| *a)
    }

    /// The connection of listener `id`: the first program to connect (TCP), or the socket that
    /// answers the first program to send (UDP). Each listener takes one peer.
    pub async fn accept(&mut self, id: ConnId, deadline: Instant) -> std::io::Result<Conn> {
        let slot = self
            .bound
            .iter_mut()
            .find(|(c, ..)| *c == id)
            .and_then(|(.., b)| b.take());
        match slot {
            Some(Bound::Tcp(l)) => {
                let (stream, _) = timeout_at(deadline, l.accept()).await.map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no program connected before the deadline",
                    )
                })??;
                TcpConn::new(stream).map(Conn::Tcp)
            }
            Some(Bound::Udp(s)) => Ok(Conn::Udp(UdpConn::listening(s))),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "this listener has already taken its one connection",
            )),
        }
    }
}
