//! The processes under test and the machine they run on: `reference serve` and `ncat --broker`
//! as children, their peak memory, and waiting (bounded) for a port to listen.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a child may take to start listening.
const START_DEADLINE: Duration = Duration::from_secs(5);
/// How often a port is probed while waiting.
const POLL: Duration = Duration::from_millis(20);

/// A child process killed and reaped when dropped.
#[derive(Debug)]
pub struct Running(pub Child);

impl Running {
    /// VmHWM (peak resident memory) of the process, in KiB.
    pub fn peak_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    /// VmRSS (resident memory now) of the process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(field))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// CPU time the process has used so far (user and system, all threads).
    pub fn cpu(&self) -> Duration {
        cpu_of(&self.0.id().to_string())
    }
}

/// CPU time process `pid` (or `self`) has used so far (user and system, all threads).
pub fn cpu_of(pid: &str) -> Duration {
    // utime and stime, fields 14 and 15 of /proc/PID/stat, in USER_HZ (100 a second on
    // Linux); the fields after the command name, which may hold spaces, start at field 3.
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let rest = &stat[stat.rfind(')')? + 1..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `reference serve` as a child process, so its memory can be read from /proc.
#[derive(Debug)]
pub struct Server {
    pub process: Running,
    pub addr: SocketAddr,
    log: tempfile::NamedTempFile,
}

impl Server {
    /// Starts the release binary on a free port, serving `root`.
    pub fn start(root: &Path) -> Server {
        Server::start_with(root, 1024)
    }

    /// Starts the release binary on a free port, serving `root`, admitting `connections` at
    /// once; uploads up to 16 GiB.
    pub fn start_with(root: &Path, connections: usize) -> Server {
        let log = tempfile::NamedTempFile::new().expect("log file");
        // `LOAD_REFERENCE_BIN` measures another build (an older commit, say) with the same load.
        let binary = std::env::var_os("LOAD_REFERENCE_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_reference").into());
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--log", "warn"])
            .args(["--max-connections", &connections.to_string()])
            .args(["--max-upload", &(16u64 << 30).to_string()])
            .arg("--root")
            .arg(root)
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .expect("reference serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line `{line}`"));
        Server {
            process: Running(child),
            addr,
            log,
        }
    }

    /// Clients the server disconnected because their outgoing queue overflowed.
    pub fn cut_clients(&self) -> usize {
        std::fs::read_to_string(self.log.path())
            .map(|log| log.matches("outgoing queue full").count())
            .unwrap_or(0)
    }
}

/// `ncat --broker` on a free port.
#[derive(Debug)]
pub struct Broker {
    pub process: Running,
    pub addr: SocketAddr,
}

impl Broker {
    /// Starts it and waits until it listens.
    pub fn start() -> Broker {
        let addr = free_port();
        let child = Command::new("ncat")
            .args(["--broker", "--listen", "--max-conns", "4096", "127.0.0.1"])
            .arg(addr.port().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // Its messages are not wanted. (Its clients were seen receiving lines that are not
            // the load's, such as ncat's version banner: see `Inbox::next`; cause not found.)
            .stderr(Stdio::null())
            .spawn()
            .expect("ncat starts");
        let listening = wait_until(|| std::net::TcpStream::connect(addr).is_ok());
        assert!(listening, "{addr} never started listening");
        Broker {
            process: Running(child),
            addr,
        }
    }
}

/// A loopback address whose port was free a moment ago.
pub fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

/// Polls `ready` until it holds or [`START_DEADLINE`] passes; whether it held.
pub fn wait_until(mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + START_DEADLINE;
    while !ready() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
    true
}

/// Whether `name` can be run.
pub fn has_tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The CPU's model name, from /proc/cpuinfo.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
