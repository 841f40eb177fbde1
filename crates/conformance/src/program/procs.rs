//! The program's processes, found in `/proc`, and how they are killed and reaped.
//!
//! A process belongs to the run when it is
//! - the first process (pid and start time), or in its process group;
//! - a process seen as a member before (pid and start time: the watchdog scans every 100 ms);
//! - a child of the harness (the subreaper adopts orphans) carrying the run's token in the
//!   environment it was started with (`/proc/PID/environ`);
//! - or a descendant of any of those.
//!
//! Since the harness is a child subreaper, an orphan is re-parented to the harness, never to
//! init: every descendant is either below the first process or a child of the harness, so
//! only the harness's own children need their environment read.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::sync::Mutex;

use memchr::memmem;

/// One line of `/proc/PID/stat`, the fields used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Proc {
    pub pid: i32,
    pub ppid: i32,
    pub pgrp: i32,
    /// `R`, `S`, `D`, `T`, `Z`, ...
    pub state: u8,
    /// Start time in clock ticks since boot: with the pid, an identity a reused pid lacks.
    pub start: u64,
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    pub threads: u64,
}

impl Proc {
    /// Running, sleeping or stopped: not a zombie waiting to be reaped.
    pub fn is_live(&self) -> bool {
        !matches!(self.state, b'Z' | b'X' | b'x')
    }
}

/// Clock ticks per second of `/proc/PID/stat` (`USER_HZ`, 100 on every Linux architecture).
pub(crate) const TICKS_PER_SECOND: u64 = 100;

/// Reads `/proc/PID/stat`; `None` when the process is gone.
pub(crate) fn read_stat(pid: i32) -> Option<Proc> {
    let text = fs::read(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// The fields after the command name, which may hold spaces and parentheses: the last `)`.
fn parse_stat(text: &[u8]) -> Option<Proc> {
    let close = memchr::memrchr(b')', text)?;
    let pid = std::str::from_utf8(&text[..close])
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    let rest = std::str::from_utf8(text.get(close + 2..)?).ok()?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let num = |i: usize| fields.get(i).and_then(|f| f.trim().parse::<u64>().ok());
    let int = |i: usize| fields.get(i).and_then(|f| f.parse::<i32>().ok());
    Some(Proc {
        pid,
        state: *fields.first()?.as_bytes().first()?,
        ppid: int(1)?,
        pgrp: int(2)?,
        cpu_ticks: num(11)? + num(12)?,
        threads: num(17)?,
        start: num(19)?,
    })
}

/// Every process on the system that can be read now.
fn all_processes() -> Vec<Proc> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter_map(read_stat)
        .collect()
}

/// Tasks (threads included) of every process of the harness's user, as `RLIMIT_NPROC`
/// counts them.
#[cfg(target_os = "linux")]
pub(crate) fn user_tasks() -> u64 {
    use std::os::unix::fs::MetadataExt;
    let uid = rustix::process::getuid().as_raw();
    all_processes()
        .iter()
        .filter(|p| fs::metadata(format!("/proc/{}", p.pid)).is_ok_and(|m| m.uid() == uid))
        .map(|p| p.threads)
        .sum()
}

/// The harness's process id.
fn me() -> i32 {
    i32::try_from(std::process::id()).unwrap_or(i32::MAX)
}

/// The processes of one run.
#[derive(Debug)]
pub(crate) struct Family {
    root: Proc,
    token: Vec<u8>,
    /// Members seen so far, by pid: their start time.
    known: HashMap<i32, u64>,
    /// The first process was reaped: its pid, and so its group id, may now be another's.
    pub root_reaped: bool,
}

impl Family {
    /// The family of `root` (its first process, just started), marked with `token`.
    pub fn new(root: Proc, token: &str) -> Family {
        Family {
            root,
            token: format!("{}={token}\0", super::RUN_TOKEN_VAR).into_bytes(),
            known: HashMap::from([(root.pid, root.start)]),
            root_reaped: false,
        }
    }

    /// The members now, zombies included, in the order found (the first process first).
    pub fn scan(&mut self) -> Vec<Proc> {
        let all = all_processes();
        let me = me();
        let mut children: HashMap<i32, Vec<usize>> = HashMap::new();
        for (i, p) in all.iter().enumerate() {
            children.entry(p.ppid).or_default().push(i);
        }
        let mut queue: Vec<usize> = (0..all.len())
            .filter(|&i| self.is_seed(&all[i], me))
            .collect();
        let mut seen: HashSet<usize> = queue.iter().copied().collect();
        let mut members = Vec::new();
        while let Some(i) = queue.pop() {
            members.push(all[i]);
            for &child in children.get(&all[i].pid).into_iter().flatten() {
                if seen.insert(child) {
                    queue.push(child);
                }
            }
        }
        self.known = members.iter().map(|p| (p.pid, p.start)).collect();
        self.known.insert(self.root.pid, self.root.start);
        members.sort_by_key(|p| (p.pid != self.root.pid, p.start));
        members
    }

    fn is_seed(&self, p: &Proc, me: i32) -> bool {
        p.pid != me
            && (self.known.get(&p.pid) == Some(&p.start)
                || (p.pgrp == self.root.pid && !self.root_reaped)
                || (p.ppid == me && self.carries_token(p.pid)))
    }

    fn carries_token(&self, pid: i32) -> bool {
        let Ok(environ) = fs::read(format!("/proc/{pid}/environ")) else {
            return false;
        };
        environ.starts_with(&self.token)
            || memmem::find(&environ, &[b"\0", &self.token[..]].concat()).is_some()
    }

    /// Sends `signal` to the process group and to every live member, then reaps the members
    /// the harness adopted. Returns the members found, before the signal.
    pub fn signal_all(&mut self, signal: rustix::process::Signal) -> Vec<Proc> {
        use rustix::process::{Pid, kill_process, kill_process_group};
        // While the first process is not reaped its pid cannot be reused: the group is ours.
        let group = Pid::from_raw(self.root.pid).filter(|_| !self.root_reaped);
        let group_signalled = group.is_some_and(|g| kill_process_group(g, signal).is_ok());
        let members = self.scan();
        // Each process once: a second SIGTERM can land while Python, exiting cleanly after
        // the first, has already put the default action back.
        let outside = |p: &&Proc| !(group_signalled && p.pgrp == self.root.pid);
        for p in members.iter().filter(|p| p.is_live()).filter(outside) {
            if let Some(pid) = Pid::from_raw(p.pid) {
                let _ = kill_process(pid, signal);
            }
        }
        self.reap(&members);
        members
    }

    /// Reaps the zombies among `members` that the harness adopted. Never the first process:
    /// its owner reaps it and reads its status.
    pub fn reap(&self, members: &[Proc]) {
        use rustix::process::{Pid, WaitOptions, waitpid};
        // One reaper at a time: a pid is checked, then reaped, before it can be reused.
        static REAPING: Mutex<()> = Mutex::new(());
        let _guard = REAPING.lock().unwrap_or_else(|e| e.into_inner());
        let me = me();
        for p in members
            .iter()
            .filter(|p| !p.is_live() && p.pid != self.root.pid)
        {
            let still = read_stat(p.pid);
            if still.is_some_and(|s| s.ppid == me && s.start == p.start && !s.is_live())
                && let Some(pid) = Pid::from_raw(p.pid)
            {
                let _ = waitpid(Some(pid), WaitOptions::NOHANG);
            }
        }
    }

    /// SIGKILL to every member, again and again, until none is left but the first process
    /// (dead, for its owner to reap) or `patience` runs out. True when none is left.
    pub fn kill_all(&mut self, patience: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + patience;
        loop {
            let members = self.signal_all(rustix::process::Signal::KILL);
            let left = members
                .iter()
                .filter(|p| p.is_live() || p.pid != self.root.pid)
                .count();
            if left == 0 {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Whether more than `max` live processes descend from the first process, found through
    /// `/proc/PID/task/TID/children` and counted only up to `max + 1`: a few dozen reads, so
    /// the answer comes fast even when a fork bomb has filled `/proc` and taken the CPU.
    /// `None` when the kernel has no `children` files (the full scan then decides).
    pub fn over(&self, max: usize) -> Option<bool> {
        if self.root_reaped {
            return Some(false);
        }
        let mut queue = vec![self.root.pid];
        let mut live = 0;
        while let Some(pid) = queue.pop() {
            if read_stat(pid).is_some_and(|p| p.is_live()) {
                live += 1;
                if live > max {
                    return Some(true);
                }
            }
            let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
                continue;
            };
            for task in tasks.flatten() {
                match fs::read_to_string(task.path().join("children")) {
                    Ok(text) => queue.extend(
                        text.split_whitespace()
                            .filter_map(|c| c.parse::<i32>().ok()),
                    ),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && pid == self.root.pid => {
                        return None;
                    }
                    Err(_) => {}
                }
            }
        }
        Some(false)
    }

    /// The first process.
    pub fn root(&self) -> &Proc {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_a_tricky_command_name() {
        let line =
            b"4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 2 0 98765 1 2 3\n";
        let p = parse_stat(line).expect("parses");
        assert_eq!((p.pid, p.ppid, p.pgrp, p.state), (4242, 1, 4242, b'S'));
        assert_eq!((p.cpu_ticks, p.threads, p.start), (10, 2, 98765));
    }

    #[test]
    fn stat_cut_short_is_none() {
        assert_eq!(parse_stat(b"12 (x) S 1 2"), None);
    }
}
