//! The liveness probe: is the server still accepting connections? It must leave nothing behind
//! that a server could count: it ends its connection cleanly (FIN) and waits for the server to
//! close its side too, so the server's slot is free again before the next scenario opens its
//! own connections.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::scenario::ProbeKind;

/// How long the harness waits for the server to close after the harness's FIN. A server that
/// never closes on end-of-file (it fails `client-eof`) is not waited for again (see
/// [`CloseWait`]).
const CLOSE_WAIT: Duration = Duration::from_millis(1000);

/// How long to wait for this server to close a connection the harness has ended: the full
/// [`CLOSE_WAIT`] until the server once failed to close in time, then a token wait.
#[derive(Debug)]
pub struct CloseWait {
    closes_on_eof: AtomicBool,
    scale: f64,
}

impl CloseWait {
    /// For a run whose deadlines are scaled by `scale`.
    pub fn new(scale: f64) -> Self {
        CloseWait {
            closes_on_eof: AtomicBool::new(true),
            scale,
        }
    }

    /// The deadline for the server's close, from now.
    pub fn deadline(&self) -> Instant {
        let wait = if self.closes_on_eof.load(Ordering::Relaxed) {
            CLOSE_WAIT
        } else {
            Duration::from_millis(100)
        };
        Instant::now() + wait.mul_f64(self.scale)
    }

    /// The server kept a connection open past the deadline.
    pub fn missed(&self) {
        self.closes_on_eof.store(false, Ordering::Relaxed);
    }
}

/// A probe with the memory of whether this server closes when the client does.
#[derive(Debug)]
pub struct Prober {
    addr: SocketAddr,
    kind: ProbeKind,
    scale: f64,
    /// How long to wait for the server's close; shared with the scenarios.
    pub close_wait: CloseWait,
}

impl Prober {
    /// A prober of `addr`; `scale` stretches its deadlines.
    pub fn new(addr: SocketAddr, kind: ProbeKind, scale: f64) -> Self {
        Prober {
            addr,
            kind,
            scale,
            close_wait: CloseWait::new(scale),
        }
    }

    /// Is the server still up? It is down when a connection is refused or times out, or when
    /// the connection is reset before anything comes back (a process dying with the probe queued
    /// in its backlog). An answer, an orderly close or silence all count as up: a server that
    /// does not support `PING`, or that hangs, is still graded scenario by scenario. `Err` says
    /// why it is down.
    ///
    /// A `PING` written to a server that accepts and closes at once draws a reset from its
    /// kernel too, so a reset after a `PING` is checked again with a probe that writes nothing:
    /// that server's close then arrives as an orderly FIN and it counts as up.
    pub async fn probe(&self) -> Result<(), String> {
        match self.kind {
            ProbeKind::None => Ok(()),
            ProbeKind::Connect => self.probe_once(b"").await.map_err(Down::into_reason),
            ProbeKind::Ping => match self.probe_once(b"PING\n").await {
                Err(Down::Reset(_)) => self.probe_once(b"").await.map_err(Down::into_reason),
                other => other.map_err(Down::into_reason),
            },
        }
    }

    /// One connection: connect, write `hello`, end the harness's side, wait for the server's.
    async fn probe_once(&self, hello: &[u8]) -> Result<(), Down> {
        let addr = self.addr;
        let deadline = Instant::now() + Duration::from_secs(2).mul_f64(self.scale);
        let mut stream = match timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(Down::Unreachable(format!("cannot connect to {addr}: {e}"))),
            Err(_) => {
                return Err(Down::Unreachable(format!(
                    "cannot connect to {addr}: no answer within {:.1} s",
                    2.0 * self.scale
                )));
            }
        };
        let written = async {
            stream.write_all(hello).await?;
            stream.shutdown().await
        };
        if let Err(e) = written.await {
            return if is_reset(&e) {
                Err(Down::Reset(format!("{addr} reset the connection")))
            } else {
                Ok(())
            };
        }
        self.await_close(&mut stream).await
    }

    /// Reads until the server closes, up to the [`CloseWait`] deadline.
    async fn await_close(&self, stream: &mut TcpStream) -> Result<(), Down> {
        let deadline = self.close_wait.deadline();
        let mut buf = [0u8; 512];
        let mut got_any = false;
        loop {
            match timeout_at(deadline, stream.read(&mut buf)).await {
                Ok(Ok(0)) => return Ok(()),
                Ok(Ok(_)) => got_any = true,
                Ok(Err(e)) if is_reset(&e) && !got_any => {
                    return Err(Down::Reset(format!(
                        "{} accepted, then reset the connection",
                        self.addr
                    )));
                }
                Ok(Err(_)) => return Ok(()),
                Err(_) => {
                    self.close_wait.missed();
                    return Ok(());
                }
            }
        }
    }
}

/// Why one probe found the server down.
enum Down {
    /// The connection could not be made.
    Unreachable(String),
    /// The connection was reset before anything came back.
    Reset(String),
}

impl Down {
    fn into_reason(self) -> String {
        match self {
            Down::Unreachable(r) | Down::Reset(r) => r,
        }
    }
}

fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
    )
}

/// One probe of `addr` (see [`Prober::probe`]).
pub async fn probe(addr: SocketAddr, kind: ProbeKind, scale: f64) -> Result<(), String> {
    Prober::new(addr, kind, scale).probe().await
}
