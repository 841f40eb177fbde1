//! A program started by `spawn`: its pipes, its exit, its readiness, and its end.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::process::{Child, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};

use super::exit::{self, Evidence, Exit};
use super::output::{Captured, Output};
use super::sockets;
use super::watchdog::{KILL_PATIENCE, Shared, Watchdog};
use super::{Limits, Transport};

/// How often `wait_ready` and `stop` look at the socket tables and processes.
const POLL: Duration = Duration::from_millis(20);
/// How long an exit waits for the end of stderr (a traceback still in the pipe).
const STDERR_PATIENCE: Duration = Duration::from_millis(300);
/// How much of the end of stderr is searched for a limit's symptom.
const STDERR_END: usize = 2048;

/// Why a program is not ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// It ended (and no process of it is left) before listening; its stderr is in the
    /// `Running`.
    Exited(Exit),
    /// At the deadline it listened, but not on the port and transport asked for.
    ListensElsewhere(Vec<(Transport, SocketAddr)>),
    /// At the deadline it listened nowhere.
    Timeout,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotReady::Exited(exit) => write!(f, "the program {exit} before it listened"),
            NotReady::ListensElsewhere(places) => {
                write!(f, "the program listens on ")?;
                for (i, (transport, addr)) in places.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{} {addr}", transport_name(*transport))?;
                }
                write!(f, " instead")
            }
            NotReady::Timeout => write!(f, "the program did not listen in time"),
        }
    }
}

impl std::error::Error for NotReady {}

fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "TCP",
        Transport::Udp => "UDP",
    }
}

/// How a stopped program ended, and everything it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// How its first process ended.
    pub exit: Exit,
    /// Its stdout.
    pub stdout: Captured,
    /// Its stderr.
    pub stderr: Captured,
}

/// What `spawn` prepared for a `Running`.
#[derive(Debug)]
pub(crate) struct Parts {
    pub stdin: pipe::Sender,
    pub stdout: Output,
    pub stderr: Output,
    pub readers: Vec<JoinHandle<()>>,
    pub shared: Arc<Shared>,
    pub watchdog: Watchdog,
    pub limits: Limits,
}

/// A program under test. Dropped without `stop`, it kills and reaps every process of the
/// program at once, synchronously: a panicking or cancelled run leaves nothing behind.
#[derive(Debug)]
pub struct Running {
    child: Child,
    stdin: Option<pipe::Sender>,
    stdout: Output,
    stderr: Output,
    readers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
    watchdog: Option<Watchdog>,
    limits: Limits,
    status: Option<ExitStatus>,
    stopping: bool,
    done: bool,
}

impl Running {
    pub(crate) fn new(child: Child, parts: Parts) -> Running {
        Running {
            child,
            stdin: Some(parts.stdin),
            stdout: parts.stdout,
            stderr: parts.stderr,
            readers: parts.readers,
            shared: parts.shared,
            watchdog: Some(parts.watchdog),
            limits: parts.limits,
            status: None,
            stopping: false,
            done: false,
        }
    }

    /// The first process's id (the process group's id too).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes `bytes` to the program's stdin by the deadline (`TimedOut` then: some of the
    /// bytes may have been written). `BrokenPipe` once stdin is closed or the program
    /// stopped reading it for good.
    pub async fn write_stdin(&mut self, bytes: &[u8], deadline: Instant) -> io::Result<()> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "stdin is closed"));
        };
        timeout_at(deadline, stdin.write_all(bytes))
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the program did not read its stdin in time",
                )
            })?
    }

    /// Closes the program's stdin: it reads an end of file.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// What the program writes on stdout.
    pub fn stdout(&self) -> &Output {
        &self.stdout
    }

    /// What the program writes on stderr.
    pub fn stderr(&self) -> &Output {
        &self.stderr
    }

    /// How the first process ended, if it has; never waits.
    pub fn exit(&mut self) -> Option<Exit> {
        self.poll_status().map(|status| self.classify(status))
    }

    /// Waits until the first process ends, or the deadline (`None`).
    pub async fn wait_exit(&mut self, deadline: Instant) -> Option<Exit> {
        loop {
            if self.poll_status().is_some() {
                let patience = deadline.min(Instant::now() + STDERR_PATIENCE);
                self.stderr.wait_closed(patience).await;
                return self.exit();
            }
            if Instant::now() >= deadline {
                return None;
            }
            sleep_until_next(deadline).await;
        }
    }

    /// Waits until a process of the program listens on `port` (TCP: a socket in LISTEN; UDP: a
    /// bound socket), on any local address, and returns the address to reach it at. Reads the
    /// kernel's socket tables every 20 ms; never connects.
    pub async fn wait_ready(
        &mut self,
        port: u16,
        transport: Transport,
        deadline: Instant,
    ) -> Result<SocketAddr, NotReady> {
        loop {
            let (bound, live) = self.sockets();
            if let Some(&(t, addr)) = bound
                .iter()
                .find(|(t, a)| *t == transport && a.port() == port)
            {
                return Ok(sockets::connect_addr(t, addr));
            }
            if live == 0 && self.poll_status().is_some() {
                let patience = deadline.min(Instant::now() + STDERR_PATIENCE);
                self.stderr.wait_closed(patience).await;
                return Err(NotReady::Exited(self.exit().unwrap_or_else(Exit::unknown)));
            }
            if Instant::now() >= deadline {
                return Err(match bound.is_empty() {
                    true => NotReady::Timeout,
                    false => NotReady::ListensElsewhere(bound),
                });
            }
            sleep_until_next(deadline).await;
        }
    }

    /// Whether a process of the program listens on `port` now (between scenarios: is it
    /// still alive and serving?). Never connects.
    pub fn is_listening(&self, port: u16, transport: Transport) -> bool {
        let (bound, _) = self.sockets();
        bound
            .iter()
            .any(|(t, a)| *t == transport && a.port() == port)
    }

    /// The program's bound sockets, and how many of its processes are alive.
    fn sockets(&self) -> (Vec<(Transport, SocketAddr)>, usize) {
        let members = self.shared.family().scan();
        let live = members.iter().filter(|p| p.is_live()).count();
        (sockets::bound(&members), live)
    }

    /// Stops the program: SIGTERM to its group and every descendant, SIGKILL to whatever is
    /// left after `grace`, everything reaped; then the rest of its output (the pipes' ends are
    /// awaited one second at most: a process outside the harness's reach may hold them).
    pub async fn stop(mut self, grace: Duration) -> Finished {
        self.stopping = self.poll_status().is_none();
        self.stdin = None;
        self.shared
            .family()
            .signal_all(rustix::process::Signal::TERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline && !self.all_gone() {
            sleep_until_next(deadline).await;
        }
        if !self.all_gone() {
            self.shared.harness_killed.store(true, Ordering::SeqCst);
            let shared = Arc::clone(&self.shared);
            let _ = tokio::task::spawn_blocking(move || shared.kill_all(None)).await;
        }
        let deadline = Instant::now() + KILL_PATIENCE;
        while self.poll_status().is_none() && Instant::now() < deadline {
            sleep_until_next(deadline).await;
        }
        // Whatever the first process's end re-parented to the harness.
        let shared = Arc::clone(&self.shared);
        let _ = tokio::task::spawn_blocking(move || shared.family().kill_all(KILL_PATIENCE)).await;
        self.watchdog = None;
        let deadline = Instant::now() + Duration::from_secs(1);
        self.stdout.wait_closed(deadline).await;
        self.stderr.wait_closed(deadline).await;
        self.finish();
        let exit = self.exit().unwrap_or_else(Exit::unknown);
        Finished {
            exit,
            stdout: self.stdout.captured(),
            stderr: self.stderr.captured(),
        }
    }

    /// The first process is reaped and no other process of the program is alive.
    fn all_gone(&mut self) -> bool {
        self.poll_status().is_some() && self.shared.family().scan().iter().all(|p| !p.is_live())
    }

    /// Reaps the first process if it ended. Under the family's lock: once it is reaped its pid
    /// may be reused, and the family must stop using it as a group id at the same moment.
    fn poll_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            let mut family = self.shared.family();
            if let Ok(Some(status)) = self.child.try_wait() {
                self.status = Some(status);
                family.root_reaped = true;
            }
        }
        self.status
    }

    fn classify(&self, status: ExitStatus) -> Exit {
        let stderr_end = self.stderr.captured().last(STDERR_END);
        exit::classify(
            status,
            &self.limits,
            Evidence {
                watchdog: self.shared.hit(),
                stopped: self.stopping,
                harness_killed: self.shared.harness_killed.load(Ordering::SeqCst),
                cpu_seconds: self.shared.root_cpu.load(Ordering::Relaxed),
                stderr_end: &stderr_end,
            },
        )
    }

    /// No more work for the readers and the watchdog.
    fn finish(&mut self) {
        self.done = true;
        self.watchdog = None;
        for reader in &self.readers {
            reader.abort();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.shared.harness_killed.store(true, Ordering::SeqCst);
        self.shared.family().kill_all(KILL_PATIENCE);
        let _ = self.child.kill();
        let deadline = std::time::Instant::now() + KILL_PATIENCE;
        while self.poll_status().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.shared.family().kill_all(KILL_PATIENCE);
        self.finish();
    }
}

/// Sleeps one poll period, or until the deadline if sooner.
async fn sleep_until_next(deadline: Instant) {
    let next = (Instant::now() + POLL).min(deadline);
    tokio::time::sleep_until(next).await;
}

/// A `Running` can move between a runtime's threads.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Running>();
};
