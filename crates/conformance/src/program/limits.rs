//! What the program may use, and how the kernel is told.
//!
//! The limits are rlimits set with `prlimit` on the program's first process while it is
//! stopped at a gate (see `running`): `/bin/sh -c 'kill -STOP $$; exec /bin/sh -c "$1"'`. The
//! harness waits until that shell is stopped, sets the limits, then sends SIGCONT, so the
//! student's code never runs without them and every process it forks inherits them. No
//! `pre_exec` (which needs `unsafe`), no race, and no dependence on a shell's `ulimit` flags
//! and units.
//!
//! Memory is `RLIMIT_DATA`, not `RLIMIT_AS`: glibc reserves 64 MiB of address space per malloc
//! arena and 8 MiB per thread stack, so under `RLIMIT_AS` = 1 GiB a Python program cannot start
//! 40 threads while its resident memory is 17 MiB (measured, Python 3.11). `RLIMIT_DATA` counts
//! private writable memory: heap, used arena pages and thread stacks (8 MiB each), so 2 GiB
//! lets a thread-per-client server run about 200 threads and still stops a runaway allocation
//! with `MemoryError`.
//!
//! Every rlimit is per process. Processes and wall-clock time are also watched by the
//! watchdog, which kills the whole program: `RLIMIT_NPROC` counts every process of the user
//! (and is ignored for root), so it is only a loose backstop for non-root users.

use std::io;
use std::time::Duration;

/// What the program may use. Every value applies as given (`cpu_seconds: 0` kills at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// CPU time per process (`RLIMIT_CPU`): SIGXCPU at this many seconds, SIGKILL one later.
    pub cpu_seconds: u64,
    /// Private writable memory per process (`RLIMIT_DATA`): heap, arenas, thread stacks.
    pub memory_bytes: u64,
    /// The largest file a process may write (`RLIMIT_FSIZE`).
    pub file_size_bytes: u64,
    /// Live processes of the program at once (zombies not counted): the watchdog kills the
    /// whole program when there are more.
    pub processes: u32,
    /// Open file descriptors per process (`RLIMIT_NOFILE`), sockets included.
    pub open_files: u64,
    /// Time from spawn until the watchdog kills the whole program.
    pub wall_clock: Duration,
    /// Bytes kept per output stream: half for the head, half for the tail (which is also the
    /// window `Output::wait_for` matches in). The rest is counted and dropped.
    pub output_bytes: usize,
}

impl Default for Limits {
    /// Limits a correct server running a 60-scenario suite for a few minutes never reaches,
    /// even one that busy-polls or starts a thread per client:
    ///
    /// | limit | default | why |
    /// | --- | --- | --- |
    /// | CPU | 600 s | a busy loop on one core for a 5-minute suite uses 300 s |
    /// | memory | 2 GiB | about 200 threads' stacks; a student server uses < 100 MiB |
    /// | file size | 1 GiB | the spec's default upload limit is 256 MiB |
    /// | processes | 128 | a fork-per-client server with every client of the suite at once |
    /// | open files | 4096 | the spec's default 256 connections, with room for files |
    /// | wall clock | 15 min | a suite takes a few minutes |
    /// | output | 1 MiB per stream | a log line per request; floods are cut |
    fn default() -> Limits {
        Limits {
            cpu_seconds: 600,
            memory_bytes: 2 << 30,
            file_size_bytes: 1 << 30,
            processes: 128,
            open_files: 4096,
            wall_clock: Duration::from_secs(15 * 60),
            output_bytes: 1 << 20,
        }
    }
}

/// Sets the rlimits on `pid` (stopped at the gate). A limit above the harness's own hard
/// limit is lowered to it: an unprivileged process cannot raise a hard limit.
#[cfg(target_os = "linux")]
pub(crate) fn apply(pid: u32, limits: &Limits) -> io::Result<()> {
    use rustix::process::Resource;
    let cpu = limits.cpu_seconds;
    set(pid, Resource::Cpu, cpu, cpu.saturating_add(1))?;
    set(
        pid,
        Resource::Data,
        limits.memory_bytes,
        limits.memory_bytes,
    )?;
    set(
        pid,
        Resource::Fsize,
        limits.file_size_bytes,
        limits.file_size_bytes,
    )?;
    set(pid, Resource::Nofile, limits.open_files, limits.open_files)?;
    // SIGXCPU and SIGSEGV dump core by default: no core files in the working folder.
    set(pid, Resource::Core, 0, 0)?;
    if !rustix::process::geteuid().is_root() {
        let backstop = super::procs::user_tasks()
            .saturating_add(4 * u64::from(limits.processes))
            .saturating_add(256);
        set(pid, Resource::Nproc, backstop, backstop)?;
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn set(pid: u32, resource: rustix::process::Resource, soft: u64, hard: u64) -> io::Result<()> {
    use rustix::process::{Pid, Rlimit, getrlimit, prlimit};
    // Never `None`: that would limit the harness itself.
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    let ceiling = getrlimit(resource).maximum.unwrap_or(u64::MAX);
    let hard = hard.min(ceiling);
    let new = Rlimit {
        current: Some(soft.min(hard)),
        maximum: Some(hard),
    };
    prlimit(Some(pid), resource, new)
        .map(drop)
        .map_err(io::Error::from)
}

/// Not Linux: never called, `spawn` refuses first.
#[cfg(not(target_os = "linux"))]
pub(crate) fn apply(_pid: u32, _limits: &Limits) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Bytes in words: `512 MiB`, `1 GiB`, `1500 bytes`.
pub(crate) fn bytes_in_words(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}
