//! How the program ended, and which limit it hit: known from a signal or the watchdog, or
//! inferred (and then said with "possibly") from a symptom.

use std::fmt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use memchr::memmem;

use super::Limits;
use super::limits::bytes_in_words;

/// A limit the program reached, with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    /// CPU time, in seconds per process.
    Cpu(u64),
    /// Private writable memory, in bytes per process.
    Memory(u64),
    /// The largest file, in bytes.
    FileSize(u64),
    /// Live processes at once.
    Processes(u32),
    /// Open file descriptors per process.
    OpenFiles(u64),
    /// Time since spawn.
    WallClock(Duration),
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LimitHit::Cpu(s) => write!(f, "the CPU time limit ({s} s)"),
            LimitHit::Memory(b) => write!(f, "the memory limit ({})", bytes_in_words(b)),
            LimitHit::FileSize(b) => write!(f, "the file size limit ({})", bytes_in_words(b)),
            LimitHit::Processes(n) => write!(f, "the process limit ({n})"),
            LimitHit::OpenFiles(n) => write!(f, "the open files limit ({n})"),
            LimitHit::WallClock(d) => {
                write!(f, "the time limit ({})", humantime::format_duration(d))
            }
        }
    }
}

/// How the program's first process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// Its exit status, when it exited.
    pub code: Option<i32>,
    /// The signal that killed it, when one did.
    pub signal: Option<i32>,
    /// The limit that ended it, when one did (or possibly did: see `limit_certain`).
    pub limit: Option<LimitHit>,
    /// True when the limit is known (a SIGXCPU or SIGXFSZ, the watchdog's own kill); false
    /// when it is inferred from a symptom (a `MemoryError` traceback, an unexplained SIGKILL).
    pub limit_certain: bool,
    /// The harness ended it: `Running::stop` (SIGTERM, then SIGKILL after the grace).
    pub stopped: bool,
}

impl Exit {
    /// True for an exit with status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The exit of a process that the harness could not see end.
    pub(crate) fn unknown() -> Exit {
        Exit {
            code: None,
            signal: None,
            limit: None,
            limit_certain: false,
            stopped: false,
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exited with status {code}")?,
            (None, Some(sig)) => write!(f, "killed by {}", signal_name(sig))?,
            (None, None) => write!(f, "did not exit")?,
        }
        if self.stopped {
            match self.signal {
                Some(9) => write!(f, " after ignoring the harness's SIGTERM")?,
                _ => write!(f, " when the harness stopped it")?,
            }
        }
        match (self.limit, self.limit_certain) {
            (Some(limit), true) => write!(f, ": {limit}"),
            (Some(limit), false) => write!(f, ": possibly {limit}"),
            (None, _) => Ok(()),
        }
    }
}

/// `SIGKILL`, `SIGXCPU`, ...: Linux numbering; `signal 42` for others.
pub fn signal_name(sig: i32) -> String {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(sig - 1)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| format!("signal {sig}"), |name| (*name).to_string())
}

const SIGKILL: i32 = 9;
const SIGSEGV: i32 = 11;
const SIGXCPU: i32 = 24;
const SIGXFSZ: i32 = 25;

/// What the harness knows besides the status, to name a limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Evidence<'a> {
    /// The watchdog's own kill.
    pub watchdog: Option<LimitHit>,
    /// The harness's stop began before the process ended.
    pub stopped: bool,
    /// The harness sent a SIGKILL (stop or watchdog).
    pub harness_killed: bool,
    /// The CPU time the first process had used when last seen.
    pub cpu_seconds: u64,
    /// The end of what the program wrote on stderr.
    pub stderr_end: &'a [u8],
}

/// The exit of a status, with the limit named when the evidence says so.
pub(crate) fn classify(status: ExitStatus, limits: &Limits, ev: Evidence<'_>) -> Exit {
    let (code, signal) = (status.code(), status.signal());
    let mut exit = Exit {
        code,
        signal,
        stopped: ev.stopped && ev.watchdog.is_none(),
        ..Exit::unknown()
    };
    let known = match signal {
        _ if ev.watchdog.is_some() => ev.watchdog,
        Some(SIGXCPU) => Some(LimitHit::Cpu(limits.cpu_seconds)),
        Some(SIGXFSZ) => Some(LimitHit::FileSize(limits.file_size_bytes)),
        _ => None,
    };
    if known.is_some() {
        exit.limit = known;
        exit.limit_certain = true;
    } else if code != Some(0) && !exit.stopped {
        exit.limit = suspect(signal, limits, &ev);
    }
    exit
}

/// A limit a failing exit suggests: Python's words for a refused allocation, file write or
/// open, or a SIGKILL the harness did not send (the kernel, at the hard CPU limit or out of
/// memory), or a SIGSEGV (a C extension whose allocation failed).
fn suspect(signal: Option<i32>, limits: &Limits, ev: &Evidence<'_>) -> Option<LimitHit> {
    let said = |words: &str| memmem::find(ev.stderr_end, words.as_bytes()).is_some();
    if said("MemoryError") || said("can't start new thread") {
        return Some(LimitHit::Memory(limits.memory_bytes));
    }
    if said("[Errno 27] File too large") {
        return Some(LimitHit::FileSize(limits.file_size_bytes));
    }
    if said("[Errno 24] Too many open files") {
        return Some(LimitHit::OpenFiles(limits.open_files));
    }
    match signal {
        Some(SIGKILL) if ev.harness_killed => None,
        Some(SIGKILL) if ev.cpu_seconds >= limits.cpu_seconds => {
            Some(LimitHit::Cpu(limits.cpu_seconds))
        }
        Some(SIGKILL | SIGSEGV) => Some(LimitHit::Memory(limits.memory_bytes)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(code: Option<i32>, signal: Option<i32>) -> Exit {
        Exit {
            code,
            signal,
            ..Exit::unknown()
        }
    }

    #[test]
    fn words() {
        assert_eq!(exit(Some(1), None).to_string(), "exited with status 1");
        let mut e = exit(None, Some(9));
        e.limit = Some(LimitHit::Memory(512 << 20));
        assert_eq!(
            e.to_string(),
            "killed by SIGKILL: possibly the memory limit (512 MiB)"
        );
        e.limit_certain = true;
        e.limit = Some(LimitHit::Processes(20));
        assert_eq!(e.to_string(), "killed by SIGKILL: the process limit (20)");
        let mut e = exit(None, Some(15));
        e.stopped = true;
        assert_eq!(
            e.to_string(),
            "killed by SIGTERM when the harness stopped it"
        );
        assert_eq!(signal_name(24), "SIGXCPU");
        assert_eq!(signal_name(64), "signal 64");
    }

    #[test]
    fn a_memory_error_is_possibly_the_memory_limit() {
        let ev = Evidence {
            watchdog: None,
            stopped: false,
            harness_killed: false,
            cpu_seconds: 0,
            stderr_end: b"Traceback ...\nMemoryError\n",
        };
        let e = classify(ExitStatus::from_raw(1 << 8), &Limits::default(), ev);
        assert_eq!(
            (e.limit, e.limit_certain),
            (Some(LimitHit::Memory(2 << 30)), false)
        );
        let e = classify(ExitStatus::from_raw(SIGXCPU), &Limits::default(), ev);
        assert_eq!((e.limit, e.limit_certain), (Some(LimitHit::Cpu(600)), true));
    }
}
