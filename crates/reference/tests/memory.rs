//! The `reference` binary gives memory back: after a wave of connections that chat and leave,
//! its resident memory falls back near where it started instead of staying at the wave's peak
//! (glibc's allocator kept it: 8 MB grew to 30 MB at default limits, and more with every wave).

#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Connections in the wave: under the usual 1024-descriptor limit, for the test and the server.
const WAVE: usize = 800;
/// How long the memory may take to go back (jemalloc's decay is 10 s).
const GIVEN_BACK_WITHIN: Duration = Duration::from_secs(40);

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS");
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

/// Starts the server; returns it and its address.
fn serve(root: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reference"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log",
            "error",
            "--max-connections",
            "1000",
            "--root",
        ])
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("its first line");
    let addr = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("an address")
        .to_owned();
    (child, addr)
}

/// One client of the wave: half say HELLO and chat (their relays queue for the others).
async fn client(addr: &str, i: usize) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    if i.is_multiple_of(2) {
        let hello = format!("HELLO wave{i}\nMSG {}\n", "x".repeat(200));
        s.write_all(hello.as_bytes()).await.expect("write");
        let mut welcome = String::new();
        let mut reader = tokio::io::BufReader::new(&mut s);
        reader.read_line(&mut welcome).await.expect("welcome");
        assert!(welcome.starts_with("WELCOME"), "{welcome}");
    }
    s
}

#[tokio::test]
async fn memory_is_given_back_after_a_wave_of_connections() {
    let root = tempfile::tempdir().expect("root");
    let (mut server, addr) = serve(root.path());
    let pid = server.id();
    let start = resident_kib(pid);
    let mut wave = Vec::with_capacity(WAVE);
    for i in 0..WAVE {
        wave.push(client(&addr, i).await);
    }
    let peak = resident_kib(pid);
    drop(wave);
    let grown = peak.saturating_sub(start);
    assert!(
        grown > 4 * 1024,
        "the wave should grow the server: {start} -> {peak} KiB"
    );
    let deadline = Instant::now() + GIVEN_BACK_WITHIN;
    let mut now = peak;
    while Instant::now() < deadline {
        now = resident_kib(pid);
        if now < start + grown / 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        now < start + grown / 4,
        "started at {start} KiB, peaked at {peak} KiB, still {now} KiB after {GIVEN_BACK_WITHIN:?}"
    );
}
