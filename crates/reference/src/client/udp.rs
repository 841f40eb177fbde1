//! The datagram client: one message per datagram (spec §10).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use tokio::net::{UdpSocket, lookup_host};
use wire::{ClientMessage, Decoded, Encode, Limits, ServerMessage};

use super::ClientError;

/// Largest datagram accepted from a server.
const MAX_DATAGRAM: usize = 64 * 1024;

/// A UDP socket talking to one server.
#[derive(Debug)]
pub struct UdpClient {
    socket: UdpSocket,
    server: SocketAddr,
}

impl UdpClient {
    /// Binds an ephemeral local port and connects it to `server` (only its datagrams are
    /// received).
    pub async fn connect(server: &str) -> Result<Self, ClientError> {
        let connect_error = |source| ClientError::Connect {
            addr: server.to_owned(),
            source,
        };
        let addr = lookup_host(server)
            .await
            .map_err(connect_error)?
            .next()
            .ok_or_else(|| connect_error(io::Error::new(io::ErrorKind::NotFound, "no address")))?;
        let local: SocketAddr = if addr.is_ipv4() {
            "0.0.0.0:0".parse().expect("valid address")
        } else {
            "[::]:0".parse().expect("valid address")
        };
        let socket = UdpSocket::bind(local).await.map_err(connect_error)?;
        socket.connect(addr).await.map_err(connect_error)?;
        Ok(UdpClient {
            socket,
            server: addr,
        })
    }

    /// The server's address.
    pub fn server(&self) -> SocketAddr {
        self.server
    }

    /// Sends one request as one datagram.
    pub async fn send(&self, request: &ClientMessage) -> Result<(), ClientError> {
        let mut buf = BytesMut::new();
        request.encode(&mut buf);
        self.socket.send(&buf).await.map_err(ClientError::Io)?;
        Ok(())
    }

    /// The next datagram from the server, decoded. Cancel-safe.
    pub async fn recv(&self) -> Result<ServerMessage, ClientError> {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let n = self.socket.recv(&mut buf).await.map_err(ClientError::Io)?;
        let limits = Limits {
            max_line: MAX_DATAGRAM,
            max_payload: MAX_DATAGRAM as u64,
        };
        match wire::decode_datagram::<ServerMessage>(&buf[..n], limits) {
            Ok(Decoded::Message(message)) => Ok(message),
            Ok(Decoded::Malformed(m)) => Err(ClientError::Protocol(format!(
                "malformed datagram `{}`: {m}",
                wire::escape::escape(&m.line)
            ))),
            Err(e) => Err(ClientError::Protocol(e.to_string())),
        }
    }

    /// Sends `request` and waits for a datagram accepted by `is_reply`, resending up to
    /// `tries` times, `wait` apart: UDP may lose either datagram. Only for requests that are
    /// safe to repeat (`HELLO`, `PING`, `BYE`), not `MSG`. Other datagrams received meanwhile
    /// go to `other`.
    pub async fn request(
        &self,
        request: &ClientMessage,
        tries: u32,
        wait: Duration,
        is_reply: impl Fn(&ServerMessage) -> bool,
        other: &mut dyn FnMut(ServerMessage),
    ) -> Result<ServerMessage, ClientError> {
        for _ in 0..tries.max(1) {
            self.send(request).await?;
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                match tokio::time::timeout_at(deadline, self.recv()).await {
                    Err(_) => break,
                    // ICMP "port unreachable" from an earlier datagram: no server there yet.
                    Ok(Err(ClientError::Io(e))) if e.kind() == io::ErrorKind::ConnectionRefused => {
                        break;
                    }
                    Ok(Err(e)) => return Err(e),
                    Ok(Ok(message)) if is_reply(&message) => return Ok(message),
                    Ok(Ok(message)) => other(message),
                }
            }
        }
        Err(ClientError::Timeout(wait * tries.max(1)))
    }
}
