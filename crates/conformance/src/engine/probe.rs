//! The liveness probe: is the server still accepting connections?

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// Is the server still up? It is down when a connection is refused or times out, or when the
/// connection is reset before anything comes back (a process dying with the probe queued in its
/// backlog). An answer, an orderly close or silence all count as up: a server that does not
/// support `PING`, or that hangs, is still graded scenario by scenario. `Err` says why it is down.
pub async fn probe(addr: SocketAddr, scale: f64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(2).mul_f64(scale);
    let mut stream =
        match tokio::time::timeout_at(deadline, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(format!("cannot connect to {addr}: {e}")),
            Err(_) => {
                return Err(format!(
                    "cannot connect to {addr}: no answer within {:.1} s",
                    2.0 * scale
                ));
            }
        };
    let listen = Instant::now() + Duration::from_millis(250).mul_f64(scale);
    let mut byte = [0u8; 1];
    let reset = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
        )
    };
    if let Err(e) = stream.write_all(b"PING\n").await {
        return if reset(&e) {
            Err(format!("{addr} reset the connection"))
        } else {
            Ok(())
        };
    }
    match tokio::time::timeout_at(listen, stream.read(&mut byte)).await {
        Ok(Err(e)) if reset(&e) => Err(format!("{addr} accepted, then reset the connection")),
        _ => Ok(()),
    }
}
