//! Shared by the self-tests: the core suite, a Python student-style server with one planted
//! defect on an ephemeral loopback port, and a run of the suite against it.

#![allow(dead_code)]

pub mod grading;
pub mod programs;
pub mod seeds;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use conformance::engine::{RunOptions, Target, run_suite};
use conformance::outcome::RunReport;
use conformance::scenario::{Suite, load_suite};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn core_suite() -> Arc<Suite> {
    static SUITE: OnceLock<Arc<Suite>> = OnceLock::new();
    SUITE
        .get_or_init(|| {
            Arc::new(load_suite(&repo().join("conformance/core")).expect("core suite loads"))
        })
        .clone()
}

/// Self-test runs share two cores: one at a time keeps their timing honest.
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The student-style server of `fixtures/servers/`, killed on drop.
pub struct StudentServer {
    child: Child,
    pub addr: SocketAddr,
    _root: tempfile::TempDir,
}

impl StudentServer {
    /// Starts it with `--defect` (or none) and the options `extra` (limits such as
    /// `--max-line 1024`), serving the core suite's files, TCP and UDP.
    pub fn start(defect: Option<&str>, extra: &[&str]) -> StudentServer {
        let root = tempfile::tempdir().expect("temp dir");
        conformance::files::export(&core_suite(), root.path()).expect("export fixtures");
        let mut cmd = Command::new("python3");
        cmd.arg(repo().join("fixtures/servers/student_server.py"))
            .args(["--host", "127.0.0.1", "--port", "0", "--udp", "--root"])
            .arg(root.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(d) = defect {
            cmd.args(["--defect", d]);
        }
        cmd.args(extra);
        let mut child = cmd.spawn().expect("python3 runs (the CI machine has it)");
        let stdout = child.stdout.take().expect("piped stdout");
        // Read the port with a deadline: a server that never says LISTENING must not hang the test.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("student server prints LISTENING within 20 s");
        let port: u16 = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        StudentServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            _root: root,
        }
    }
}

impl Drop for StudentServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the core suite against `addr` with a fixed seed, UDP on, slow scenarios off.
pub fn run_core(addr: SocketAddr, jobs: usize, timeout_scale: f64) -> RunReport {
    run_with(
        addr,
        RunOptions {
            seed: 42,
            jobs,
            udp: true,
            timeout_scale,
            ..RunOptions::default()
        },
    )
}

/// Runs the core suite against `addr` with `opts`, on a runtime of its own.
pub fn run_with(addr: SocketAddr, opts: RunOptions) -> RunReport {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let target = Target {
        addr,
        description: addr.to_string(),
    };
    runtime.block_on(run_suite(core_suite(), &target, &opts, |_| {}))
}
/// The ids of the scenarios with `status`, in suite order.
pub fn ids_with(report: &RunReport, status: conformance::outcome::Status) -> Vec<String> {
    report
        .scenarios
        .iter()
        .filter(|r| r.status == status)
        .map(|r| r.id.clone())
        .collect()
}
