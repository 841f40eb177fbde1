//! Connections held: how much resident memory `reference serve` gains per idle connection, each
//! introduced (`HELLO` answered) and then silent.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::processes::Server;

/// Connections opened before the first reading, so the runtime's threads and the allocator's
/// arenas are already there.
const WARM: usize = 16;
/// Descriptors `reference serve` budgets per connection (its socket, an upload, four files).
const SERVER_FDS_PER_CONNECTION: u64 = 6;
/// Descriptors each process keeps for itself.
const RESERVE_FDS: u64 = 128;

/// The figures of the phase.
#[derive(Debug)]
pub struct Held {
    pub asked: usize,
    pub held: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub secs: f64,
}

impl Held {
    /// Resident memory gained per connection, in bytes.
    pub fn per_connection(&self) -> f64 {
        let gained = self.rss_after_kib.saturating_sub(self.rss_before_kib) as f64 * 1024.0;
        gained / (self.held.saturating_sub(WARM)).max(1) as f64
    }
}

/// Opens up to `asked` connections to a fresh server and reads its resident memory before and
/// after; fewer if the limit on open files does not allow them.
pub async fn held(root: &Path, asked: usize) -> Held {
    let fds = raise_open_files(asked as u64 * SERVER_FDS_PER_CONNECTION + RESERVE_FDS);
    let fits = (fds.saturating_sub(RESERVE_FDS) / SERVER_FDS_PER_CONNECTION) as usize;
    let count = asked.min(fits).max(WARM + 1);
    let server = Server::start_with(root, count + WARM);
    let started = Instant::now();
    let mut open = Vec::with_capacity(count);
    for i in 0..WARM {
        open.push(introduce(server.addr, i).await);
    }
    let rss_before_kib = server.process.rss_kib();
    for i in WARM..count {
        open.push(introduce(server.addr, i).await);
    }
    let rss_after_kib = server.process.rss_kib();
    let held = open.iter().filter(|c| c.is_some()).count();
    Held {
        asked,
        held,
        rss_before_kib,
        rss_after_kib,
        secs: started.elapsed().as_secs_f64(),
    }
}

/// A connection introduced as `h<i>`; `None` if the server did not welcome it.
async fn introduce(addr: SocketAddr, i: usize) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(format!("HELLO h{i}\n").as_bytes())
        .await
        .ok()?;
    let mut reply = Vec::with_capacity(64);
    let mut byte = [0u8; 64];
    while !reply.ends_with(b"\n") {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut byte))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        reply.extend_from_slice(&byte[..n]);
    }
    reply.starts_with(b"WELCOME").then_some(stream)
}

/// Raises this process's limit on open files (inherited by the server it starts) towards
/// `wanted`, the hard limit too when allowed (root); the soft limit now in force.
fn raise_open_files(wanted: u64) -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let now = getrlimit(Resource::Nofile);
    let hard = now.maximum.unwrap_or(u64::MAX);
    let raised = Rlimit {
        current: Some(wanted.max(hard)),
        maximum: Some(wanted.max(hard)),
    };
    if hard < wanted && setrlimit(Resource::Nofile, raised).is_ok() {
        return wanted;
    }
    let soft = Rlimit {
        current: Some(hard),
        maximum: now.maximum,
    };
    let _ = setrlimit(Resource::Nofile, soft);
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}
