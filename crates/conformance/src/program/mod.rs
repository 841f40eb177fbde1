//! Starting, supervising and stopping the program under test (Linux).
//!
//! ```text
//! Workdir::prepare(spec)      a fresh copy of the student's folder, plus the suite's files
//! spawn(spec, port, workdir)  /bin/sh -c COMMAND in its own process group, limits applied
//!   Running::wait_ready       the kernel's socket tables say it listens: no connection made
//!   Running::write_stdin, stdout().wait_for, exit, is_listening, ...
//!   Running::stop(grace)      SIGTERM to all of it, SIGKILL after the grace, everything reaped
//! ```
//!
//! Four promises:
//! - **The harness disturbs nothing.** Readiness and liveness are read from `/proc/net/*` and
//!   `/proc/PID/fd`: a server that accepts one client only keeps its accept for the grader.
//! - **No process outlives the run.** The harness is a child subreaper, so a descendant that
//!   leaves the group (`setsid`, double fork) is re-parented to it; each run marks its processes
//!   with an environment token, and `stop` and `Drop` kill and reap the group and every
//!   descendant (module `procs`). A watchdog thread enforces the process and wall-clock limits.
//! - **A report never lies.** [`Exit`] says how the program ended and which limit it hit, and
//!   says "possibly" when that is inferred rather than known; [`Captured`] says what was cut.
//! - **Bounded memory.** Each output stream keeps a head and a tail and drains the pipe forever.
//!
//! Limits of the approach:
//! - The harness stays a subreaper for its whole life: an orphan of anything else it starts is
//!   re-parented to it too, and stays a zombie (it is not any run's to reap).
//! - A process that leaves the group, is orphaned and clears its environment, all within the
//!   watchdog's 100 ms, is not found. A PID namespace or a cgroup would close that gap.
//! - A harness killed by SIGKILL kills nothing: the program then sees its stdin close.
//!
//! Only Linux is supported: elsewhere [`spawn`] returns [`SpawnError::Unsupported`].

mod exit;
mod limits;
mod output;
mod procs;
mod running;
mod sockets;
mod spawn;
mod watchdog;
mod workdir;

use std::io;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::PathBuf;

use bytes::Bytes;

pub use crate::scenario::Transport;
pub use exit::{Exit, LimitHit, signal_name};
pub use limits::Limits;
pub use output::{Captured, Output};
pub use running::{Finished, NotReady, Running};
pub use spawn::{SpawnError, spawn};
pub use workdir::Workdir;

/// The environment variable that marks every process of a run (inherited across fork and
/// exec): how a descendant that left the process group is still recognised.
pub const RUN_TOKEN_VAR: &str = "SOCKET_LAB_RUN";

/// Why `name` cannot be set in a program's environment (`program: env:`, `--env`): it must be a
/// shell identifier (`[A-Za-z_][A-Za-z0-9_]*`), and `PORT` and [`RUN_TOKEN_VAR`] are the
/// harness's own.
pub fn check_env_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(format!(
            "`{name}` is not an environment variable name (letters, digits and `_`, not starting with a digit)"
        ));
    }
    if name == "PORT" || name == RUN_TOKEN_VAR {
        return Err(format!("`{name}` is set by the harness itself"));
    }
    Ok(())
}

/// Why `value` cannot be an environment variable's value: a NUL byte cannot be passed.
pub fn check_env_value(value: &str) -> Result<(), String> {
    if value.contains('\0') {
        return Err("an environment value cannot hold a NUL byte".to_owned());
    }
    Ok(())
}

/// How to start the program under test.
#[derive(Debug, Clone)]
pub struct Spec {
    /// A shell command line run by `/bin/sh -c` in the working folder; every `{port}` is
    /// replaced by the port. Example: `python3 server.py --port {port}`.
    pub command: String,
    /// The student's folder: copied into a fresh working folder, never written.
    pub source_dir: PathBuf,
    /// Extra files written into the working folder (relative paths, no `..`).
    pub files: Vec<(String, Bytes)>,
    /// Symbolic links made in the working folder: (relative path, where it points).
    pub links: Vec<(String, String)>,
    /// Extra environment, on top of the harness's own and `PORT`.
    pub env: Vec<(String, String)>,
    /// What the program may use.
    pub limits: Limits,
}

impl Spec {
    /// A spec with no extra files or environment and the default limits.
    pub fn new(command: impl Into<String>, source_dir: impl Into<PathBuf>) -> Spec {
        Spec {
            command: command.into(),
            source_dir: source_dir.into(),
            files: Vec::new(),
            links: Vec::new(),
            env: Vec::new(),
            limits: Limits::default(),
        }
    }
}

/// A port free for TCP on every local IPv4 address (and for UDP too when `transport_both`),
/// found by binding port 0 and letting go. Another process may take it before the program
/// does: a port handed out is a good guess, not a reservation.
pub fn free_port(transport_both: bool) -> io::Result<u16> {
    let mut last = io::Error::other("no free port found");
    for _ in 0..32 {
        let tcp = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0))?;
        let port = tcp.local_addr()?.port();
        if !transport_both {
            return Ok(port);
        }
        match UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)) {
            Ok(_) => return Ok(port),
            Err(e) => last = e,
        }
    }
    Err(last)
}
