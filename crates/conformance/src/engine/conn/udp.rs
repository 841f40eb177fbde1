//! A UDP socket: connected to the program (dialled), or bound by the harness and connected to
//! the first peer that sends to it (a listener, for grading clients).

use std::io::ErrorKind;
use std::net::SocketAddr;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout_at};
use wire::{Decoded, ServerMessage, decode_datagram};

use super::{Event, HARNESS_LIMITS, Progress};

/// The largest datagram the harness receives whole.
const MAX_DATAGRAM: usize = 65536;

/// A UDP socket of a scenario.
#[derive(Debug)]
pub struct UdpConn {
    socket: UdpSocket,
    /// Whether the socket is connected to its peer: always for a dialled one; for a listener,
    /// once the first datagram has come.
    connected: bool,
}

impl UdpConn {
    /// A socket connected to `addr` (replies from elsewhere are ignored by the kernel).
    pub async fn dial(addr: SocketAddr) -> std::io::Result<UdpConn> {
        let local: SocketAddr = if addr.is_ipv4() {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
        };
        let socket = UdpSocket::bind(local).await?;
        socket.connect(addr).await?;
        Ok(UdpConn {
            socket,
            connected: true,
        })
    }

    /// A socket bound by the harness, waiting for a program to send to it.
    pub fn listening(socket: UdpSocket) -> UdpConn {
        UdpConn {
            socket,
            connected: false,
        }
    }

    /// Sends one datagram.
    pub(super) async fn send(
        &mut self,
        chunk: &[u8],
        progress: &mut Progress,
    ) -> std::io::Result<()> {
        if !self.connected {
            return Err(std::io::Error::new(
                ErrorKind::NotConnected,
                "no program has sent a datagram to this listener yet: there is no one to answer",
            ));
        }
        self.socket.send(chunk).await?;
        progress.took(chunk.len());
        Ok(())
    }

    /// The next datagram, whole; a listener connects to its first sender.
    pub async fn recv(&mut self, deadline: Instant) -> Result<Option<Bytes>, String> {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let received = if self.connected {
            timeout_at(deadline, self.socket.recv(&mut buf)).await
        } else {
            match timeout_at(deadline, self.socket.recv_from(&mut buf)).await {
                Ok(Ok((n, from))) => {
                    self.socket
                        .connect(from)
                        .await
                        .map_err(|e| format!("UDP connect failed: {e}"))?;
                    self.connected = true;
                    Ok(Ok(n))
                }
                Ok(Err(e)) => Ok(Err(e)),
                Err(e) => Err(e),
            }
        };
        match received {
            Err(_) => Ok(None),
            Ok(Err(e)) if e.kind() == ErrorKind::ConnectionRefused => {
                Err("the program's UDP port is unreachable: is it serving UDP?".to_owned())
            }
            Ok(Err(e)) => Err(format!("UDP receive failed: {e}")),
            Ok(Ok(n)) => Ok(Some(Bytes::copy_from_slice(&buf[..n]))),
        }
    }

    /// The next datagram as a protocol event.
    pub(super) async fn next_event(&mut self, deadline: Instant) -> Event {
        match self.recv(deadline).await {
            Err(why) => Event::Broken(why),
            Ok(None) => Event::Timeout {
                partial: Bytes::new(),
                len: 0,
            },
            Ok(Some(raw)) => match decode_datagram::<ServerMessage>(&raw, HARNESS_LIMITS) {
                Ok(Decoded::Message(message)) => Event::Message { message, raw },
                Ok(Decoded::Malformed(m)) => Event::Malformed(m),
                Err(e) => Event::Broken(format!("datagram `{}`: {e}", wire::escape::escape(&raw))),
            },
        }
    }
}
