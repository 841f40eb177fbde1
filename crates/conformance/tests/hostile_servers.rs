//! The runner against servers that misbehave on purpose, run as a user runs it (the binary,
//! `--jobs 4`): each run ends within its time, with a report whose failures name what the
//! server did, and the runner's memory stays under [`MEMORY_BOUND`] whatever the server sends.
//! The peak is the kernel's high-water mark (`VmHWM`), read until the runner exits.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The runner's peak resident memory, at most, against any of these servers.
const MEMORY_BOUND_KIB: u64 = 64 * 1024;
/// A run of the scenarios below, at most.
const TIME_BOUND: Duration = Duration::from_secs(60);
/// Scenarios with connections that send, receive files, chat and count connections.
const SCENARIOS: &[&str] = &[
    "hello",
    "get-file",
    "get-large-file",
    "put-then-get",
    "chat-relay",
    "sixteen-connections",
];

/// How a hostile server treats each connection.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    /// Bytes without a line end, as fast as they are taken.
    EndlessBytes,
    /// Valid lines nobody asked for, as fast as they are taken.
    EndlessLines,
    /// Every line answered with a 64 MiB `FILE`, sent whole.
    EndlessPayloads,
    /// Reads everything, says nothing.
    Silent,
    /// Never reads, never writes.
    NeverReads,
    /// A line one byte a second.
    OneByteASecond,
    /// Closes (FIN) as soon as it accepts.
    FinOnAccept,
    /// Resets as soon as it accepts.
    RstOnAccept,
    /// Lines of bytes that are no message, then a close.
    Garbage,
    /// Listens, never accepts: connections wait in its backlog.
    NeverAccepts,
}

fn serve(mode: Hostile, mut s: TcpStream) {
    let _ = match mode {
        Hostile::EndlessBytes => endless(&mut s, &[b'x'; 65536]),
        Hostile::EndlessLines => endless(&mut s, &b"FROM someone hello there\n".repeat(1000)),
        Hostile::EndlessPayloads => payloads(&mut s),
        Hostile::Silent => std::io::copy(&mut s, &mut std::io::sink()).map(|_| ()),
        Hostile::NeverReads => {
            thread::sleep(TIME_BOUND);
            Ok(())
        }
        Hostile::OneByteASecond => b"WELCOME slow\n".iter().try_for_each(|b| {
            thread::sleep(Duration::from_secs(1));
            s.write_all(&[*b])
        }),
        Hostile::FinOnAccept => s.shutdown(Shutdown::Both),
        Hostile::RstOnAccept => rustix::net::sockopt::set_socket_linger(&s, Some(Duration::ZERO))
            .map_err(std::io::Error::from),
        Hostile::Garbage => s.write_all(b"\x00\xff\x13garbage\n\xc3\x28 ??? \n"),
        Hostile::NeverAccepts => unreachable!("never accepted"),
    };
}

fn endless(s: &mut TcpStream, chunk: &[u8]) -> std::io::Result<()> {
    loop {
        s.write_all(chunk)?;
    }
}

fn payloads(s: &mut TcpStream) -> std::io::Result<()> {
    let chunk = vec![0u8; 1 << 20];
    let mut buf = [0u8; 4096];
    while s.read(&mut buf)? > 0 {
        s.write_all(b"FILE 67108864\n")?;
        for _ in 0..64 {
            s.write_all(&chunk)?;
        }
    }
    Ok(())
}

fn start(mode: Hostile) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    thread::spawn(move || {
        if let Hostile::NeverAccepts = mode {
            thread::sleep(2 * TIME_BOUND);
        }
        for s in listener.incoming().flatten() {
            thread::spawn(move || serve(mode, s));
        }
    });
    addr
}

/// The kernel's high-water mark of `pid`'s resident memory, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the scenarios against `addr`: exit code, stdout, peak memory (KiB), wall time.
fn run(addr: SocketAddr) -> (Option<i32>, String, u64, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["run", "--target", &addr.to_string(), "--jobs", "4"])
        .args(["--time-limit", "90s", "--color", "never", "--filter"])
        .args(SCENARIOS)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the runner starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        match child.try_wait().expect("wait") {
            Some(status) => break status,
            None if start.elapsed() > 2 * TIME_BOUND => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the runner did not end within {:?}", 2 * TIME_BOUND);
            }
            None => thread::sleep(Duration::from_millis(10)),
        }
    };
    let out = reader.join().expect("stdout read");
    (status.code(), out, peak, start.elapsed())
}

#[test]
fn each_hostile_server_gets_a_report_naming_it_in_bounded_time_and_memory() {
    let cases: &[(Hostile, &str)] = &[
        (Hostile::EndlessBytes, "line limit"),
        (Hostile::EndlessLines, "FROM someone hello there"),
        (Hostile::EndlessPayloads, "announces 67108864 bytes"),
        (Hostile::Silent, "nothing"),
        (Hostile::NeverReads, "nothing"),
        (Hostile::OneByteASecond, "with no line end"),
        (Hostile::FinOnAccept, "closed the connection"),
        (Hostile::RstOnAccept, "reset"),
        (Hostile::Garbage, "not a valid server message"),
        (Hostile::NeverAccepts, "nothing"),
    ];
    // The servers are independent and the runs mostly wait on deadlines: all at once.
    let failures: Vec<String> = thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|&(mode, named)| scope.spawn(move || (mode, named, run(start(mode)))))
            .collect();
        runs.into_iter()
            .filter_map(|r| {
                let (mode, named, (code, out, peak, took)) = r.join().expect("a run");
                eprintln!("{mode:?}: exit {code:?}, peak {peak} KiB, {took:.1?}");
                let summary = out.lines().rev().find(|l| l.contains(" passed, "));
                let ok = matches!(code, Some(1 | 3))
                    && summary.is_some_and(|s| s.starts_with("0 passed"))
                    && out.contains(named)
                    && peak < MEMORY_BOUND_KIB
                    && took < TIME_BOUND;
                (!ok).then(|| {
                    format!(
                        "{mode:?}: exit {code:?}, peak {peak} KiB, {took:?}, summary {summary:?}, \
                         names {named:?}: {}\n{out}",
                        out.contains(named)
                    )
                })
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
