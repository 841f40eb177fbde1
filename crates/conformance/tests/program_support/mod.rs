//! Helpers for `programs.rs`: specs marked so leftovers can be found, deadlines, stdout lines.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use conformance::program::{Running, Spec, Workdir, spawn};
use tokio::time::Instant;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/programs")
}

/// A spec for `command` marked with an environment variable of its own, which every
/// descendant inherits: how a test finds processes left behind.
pub fn spec(command: &str) -> Spec {
    let mut spec = Spec::new(command, fixtures());
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let mark = format!(
        "{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    );
    spec.env.push(("PROGRAMS_TEST_MARK".into(), mark));
    spec
}

fn mark(spec: &Spec) -> String {
    format!("PROGRAMS_TEST_MARK={}", spec.env[0].1)
}

pub fn within(seconds: f64) -> Instant {
    Instant::now() + Duration::from_secs_f64(seconds)
}

pub async fn start(spec: &Spec, port: u16) -> (Workdir, Running) {
    let workdir = Workdir::prepare(spec).expect("working folder");
    let running = spawn(spec, port, &workdir).await.expect("spawn");
    (workdir, running)
}

pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Processes carrying the spec's mark (zombies carry no environment: `alive` covers those).
pub fn leftovers(spec: &Spec) -> Vec<u32> {
    let mark = format!("\0{}\0", mark(spec));
    fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let env = fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            [&b"\0"[..], &env]
                .concat()
                .windows(mark.len())
                .any(|w| w == mark.as_bytes())
        })
        .collect()
}

pub async fn line(running: &Running, from: usize, text: &str) -> usize {
    let found = running
        .stdout()
        .wait_for(from, |b| find(b, text.as_bytes()), within(10.0))
        .await;
    found
        .unwrap_or_else(|got| panic!("no {text:?} on stdout; got {got:?}"))
        .0
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + needle.len())
}

/// Processes still in process group `pgid`, zombies included (they keep their group).
pub fn in_group(pgid: u32) -> Vec<u32> {
    fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields = stat
                .rsplit_once(") ")
                .map(|(_, rest)| rest)
                .unwrap_or_default();
            fields.split(' ').nth(2) == Some(&pgid.to_string())
        })
        .collect()
}

/// The harness's anonymous resident memory (`RssAnon`: heap and stacks, not the pages of the
/// binary that a backtrace maps), in bytes.
pub fn anon_rss() -> u64 {
    let status = fs::read_to_string("/proc/self/status").expect("status");
    let line = status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .expect("RssAnon");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("kB");
    kib * 1024
}
