//! The watchdog: a thread per run that looks at the program's processes every 100 ms, keeps
//! their identities (so a descendant that leaves the group is still known), reaps the ones the
//! harness adopted, and kills the whole program when it has too many processes or has run too
//! long. A thread, not a task: reading `/proc` blocks, and the watchdog must act even when the
//! runtime is busy.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::exit::LimitHit;
use super::limits::Limits;
use super::procs::{Family, TICKS_PER_SECOND};

/// How often the watchdog looks.
pub(crate) const PERIOD: Duration = Duration::from_millis(100);

/// How long a kill may take, at most, before the killer gives up waiting.
pub(crate) const KILL_PATIENCE: Duration = Duration::from_secs(2);

/// What the watchdog and the `Running` share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub family: Mutex<Family>,
    /// The limit the watchdog killed the program for.
    pub hit: Mutex<Option<LimitHit>>,
    /// The CPU time of the first process when last seen, in seconds.
    pub root_cpu: AtomicU64,
    /// The harness sent SIGKILL (the watchdog, `stop` after its grace).
    pub harness_killed: AtomicBool,
}

impl Shared {
    pub fn new(family: Family) -> Shared {
        Shared {
            family: Mutex::new(family),
            hit: Mutex::new(None),
            root_cpu: AtomicU64::new(0),
            harness_killed: AtomicBool::new(false),
        }
    }

    pub fn family(&self) -> MutexGuard<'_, Family> {
        self.family.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn hit(&self) -> Option<LimitHit> {
        *self.hit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Kills every process of the program (SIGKILL), remembering `why` when it is the first
    /// reason.
    pub fn kill_all(&self, why: Option<LimitHit>) {
        self.harness_killed.store(true, Ordering::SeqCst);
        if let Some(why) = why {
            self.hit
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(why);
        }
        self.family().kill_all(KILL_PATIENCE);
    }
}

/// A running watchdog; dropping it stops the thread (within one period).
#[derive(Debug)]
pub(crate) struct Watchdog {
    _stop: mpsc::Sender<()>,
}

impl Watchdog {
    /// Starts watching; the wall clock counts from `started`.
    pub fn start(
        shared: Arc<Shared>,
        limits: &Limits,
        started: Instant,
    ) -> std::io::Result<Watchdog> {
        let (stop, stopped) = mpsc::channel();
        let (processes, wall) = (limits.processes, limits.wall_clock);
        thread::Builder::new()
            .name("program-watchdog".into())
            .spawn(move || watch(&shared, &stopped, processes, (wall, started)))?;
        Ok(Watchdog { _stop: stop })
    }
}

fn watch(shared: &Shared, stopped: &mpsc::Receiver<()>, processes: u32, wall: (Duration, Instant)) {
    let (wall_clock, started) = wall;
    let end = started.checked_add(wall_clock);
    loop {
        match stopped.recv_timeout(PERIOD) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        // A fork bomb: caught by counting down the tree, before a scan of a crowded /proc.
        if shared.family().over(processes as usize) == Some(true) {
            shared.kill_all(Some(LimitHit::Processes(processes)));
            continue;
        }
        let live = {
            let mut family = shared.family();
            let members = family.scan();
            family.reap(&members);
            if let Some(root) = members.first().filter(|p| p.pid == family.root().pid) {
                let seconds = root.cpu_ticks / TICKS_PER_SECOND;
                shared.root_cpu.fetch_max(seconds, Ordering::Relaxed);
            }
            members.iter().filter(|p| p.is_live()).count()
        };
        if live > processes as usize {
            shared.kill_all(Some(LimitHit::Processes(processes)));
        } else if live > 0 && end.is_some_and(|end| Instant::now() >= end) {
            shared.kill_all(Some(LimitHit::WallClock(wall_clock)));
        }
    }
}
