//! Load tool for the reference server: chat relay and download throughput, each beside a
//! baseline measured in the same run on the same machine.
//!
//! ```text
//! cargo bench -p reference --bench load                 # defaults: a few seconds per phase
//! cargo bench -p reference --bench load -- --clients 100 --rate 20 --secs 3 --file-mib 1024
//! ```
//!
//! - chat relay: `--clients` connections; each sends `--rate` chat lines a second for `--secs`
//!   (paced), then the same number of lines back to back (burst). Reported: delivered `FROM`
//!   lines a second and p50/p99 latency (send to receipt), against `reference serve` and
//!   against `ncat --broker` (which relays every line to every other client, the same fan-out
//!   without a protocol), and the ratio;
//! - download: `GET` of a `--file-mib` file (best of `--runs`) in MB/s (10^6 bytes), against
//!   loopback's ceiling measured by `iperf3` (one TCP stream), and the ratio;
//! - peak server memory (VmHWM of the `reference serve` process) during each.
//!
//! `ncat` and `iperf3` are optional: when missing, their figures are skipped with a note on
//! how to install them (`apt-get install ncat iperf3`).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use wire::{ClientMessage, Decoded, Decoder, Limits, Name, PathArg, ServerMessage};

#[derive(Debug, Clone)]
struct Options {
    clients: usize,
    rate: u32,
    secs: f64,
    file_mib: u64,
    runs: u32,
    iperf_secs: u32,
}

impl Options {
    fn parse() -> Options {
        let mut o = Options {
            clients: 100,
            rate: 20,
            secs: 3.0,
            file_mib: 1024,
            runs: 3,
            iperf_secs: 2,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let value = args.get(i + 1).cloned().unwrap_or_default();
            let number = || value.parse::<f64>().unwrap_or_else(|_| usage(&args[i]));
            match args[i].as_str() {
                "--clients" => o.clients = number() as usize,
                "--rate" => o.rate = number() as u32,
                "--secs" => o.secs = number(),
                "--file-mib" => o.file_mib = number() as u64,
                "--runs" => o.runs = number() as u32,
                "--iperf-secs" => o.iperf_secs = number() as u32,
                // `cargo bench` passes `--bench`; filters and other flags are ignored.
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        o
    }
}

fn usage(flag: &str) -> ! {
    eprintln!(
        "{flag}: expected a number. Options: --clients N --rate PER_SEC --secs S --file-mib M \
         --runs N --iperf-secs S"
    );
    std::process::exit(2)
}

fn main() {
    let options = Options::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(options));
}

async fn run(o: Options) {
    let have_ncat = has_tool("ncat", "--version");
    let have_iperf = has_tool("iperf3", "--version");
    let root = tempfile::tempdir().expect("temporary folder");
    println!(
        "socket-lab load: {} clients, {} lines/s each for {} s, then a burst; GET of {} MiB",
        o.clients, o.rate, o.secs, o.file_mib
    );
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );

    // Chat against the reference server.
    let server = Server::start(root.path());
    let idle_memory = server.peak_kib();
    let reference_paced = chat(&o, server.addr, Target::Reference, Pace::Paced).await;
    let reference_burst = chat(&o, server.addr, Target::Reference, Pace::Burst).await;
    let chat_memory = server.peak_kib();
    let cut = server.cut_clients();
    drop(server);

    // The same load against ncat --broker.
    let (ncat_paced, ncat_burst, ncat_memory) = if have_ncat {
        let broker = Broker::start();
        let paced = chat(&o, broker.addr, Target::Broker, Pace::Paced).await;
        let burst = chat(&o, broker.addr, Target::Broker, Pace::Burst).await;
        (Some(paced), Some(burst), Some(peak_kib(broker.child.id())))
    } else {
        (None, None, None)
    };

    println!();
    println!(
        "chat relay, {} clients (FROM lines delivered, latency from send to receipt):",
        o.clients
    );
    println!(
        "  {:<28} {:>14} {:>10} {:>10} {:>9}",
        "", "lines/s", "p50", "p99", "lost"
    );
    let row = |label: &str, r: &ChatResult| {
        println!(
            "  {:<28} {:>14.0} {:>10} {:>10} {:>9}",
            label,
            r.per_sec,
            format_us(r.p50_us),
            format_us(r.p99_us),
            r.expected - r.delivered
        );
    };
    row("reference, paced", &reference_paced);
    if let Some(r) = &ncat_paced {
        row("ncat --broker, paced", r);
    }
    row("reference, burst", &reference_burst);
    if let Some(r) = &ncat_burst {
        row("ncat --broker, burst", r);
    }
    if cut > 0 {
        println!("  reference cut {cut} clients whose outgoing queue overflowed (lines lost)");
    }
    match (&ncat_paced, &ncat_burst) {
        (Some(paced), Some(burst)) => {
            println!(
                "  ratio reference/ncat: paced {:.2}x lines/s, p50 {:.2}x, p99 {:.2}x; burst {:.2}x lines/s",
                reference_paced.per_sec / paced.per_sec,
                reference_paced.p50_us as f64 / paced.p50_us.max(1) as f64,
                reference_paced.p99_us as f64 / paced.p99_us.max(1) as f64,
                reference_burst.per_sec / burst.per_sec,
            );
        }
        _ => println!("  ncat not found: install it for the baseline (apt-get install ncat)"),
    }

    // Download.
    let size = o.file_mib * 1024 * 1024;
    make_file(&root.path().join("big.bin"), size);
    let server = Server::start(root.path());
    let mut best = 0f64;
    for _ in 0..o.runs.max(1) {
        best = best.max(get_mb_per_s(server.addr, size).await);
    }
    let get_memory = server.peak_kib();
    drop(server);
    let iperf_default = if have_iperf {
        iperf3(o.iperf_secs, None)
    } else {
        None
    };
    let iperf_256k = if have_iperf {
        iperf3(o.iperf_secs, Some("256K"))
    } else {
        None
    };
    let iperf = iperf_default.into_iter().chain(iperf_256k).reduce(f64::max);

    println!();
    println!(
        "download, GET of {} MiB (best of {}):",
        o.file_mib,
        o.runs.max(1)
    );
    println!("  reference GET              {best:>10.0} MB/s");
    match iperf {
        Some(ceiling) => {
            for (label, figure) in [
                ("default writes", iperf_default),
                ("256 KiB writes", iperf_256k),
            ] {
                if let Some(mb) = figure {
                    println!("  iperf3, {label:<18} {mb:>10.0} MB/s");
                }
            }
            println!("  iperf3 loopback ceiling    {ceiling:>10.0} MB/s (the better of the two)");
            println!("  ratio GET/iperf3           {:>10.2}x", best / ceiling);
        }
        None if have_iperf => println!("  iperf3 failed: no ceiling measured"),
        None => println!("  iperf3 not found: install it for the ceiling (apt-get install iperf3)"),
    }

    println!();
    println!("peak server memory (VmHWM of `reference serve`):");
    println!(
        "  after start                {:>10}",
        format_kib(idle_memory)
    );
    println!(
        "  after chat phases          {:>10}",
        format_kib(chat_memory)
    );
    println!(
        "  during GET (fresh server)  {:>10}",
        format_kib(get_memory)
    );
    if let Some(kib) = ncat_memory {
        println!("  ncat --broker, chat        {:>10}", format_kib(kib));
    }
}

// ---------------------------------------------------------------------------------------------
// Processes under test.

/// `reference serve` as a child process, so its memory can be read from /proc.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: tempfile::NamedTempFile,
}

impl Server {
    fn start(root: &Path) -> Server {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_reference"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--log",
                "warn",
                "--max-connections",
                "1024",
            ])
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
        Server { child, addr, log }
    }

    fn peak_kib(&self) -> u64 {
        peak_kib(self.child.id())
    }

    /// Clients the server disconnected because their outgoing queue overflowed.
    fn cut_clients(&self) -> usize {
        std::fs::read_to_string(self.log.path())
            .map(|log| log.matches("outgoing queue full").count())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ncat --broker` on a free port.
struct Broker {
    child: Child,
    addr: SocketAddr,
}

impl Broker {
    fn start() -> Broker {
        let addr = free_port();
        let child = Command::new("ncat")
            .args(["--broker", "--listen", "--max-conns", "4096", "127.0.0.1"])
            .arg(addr.port().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("ncat starts");
        wait_listening(addr);
        Broker { child, addr }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

/// Waits (bounded) until something accepts connections on `addr`.
fn wait_listening(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "{addr} never started listening");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn has_tool(name: &str, arg: &str) -> bool {
    Command::new(name)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// VmHWM (peak resident memory) of a process, in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

// ---------------------------------------------------------------------------------------------
// Chat relay.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// socket-lab/1: HELLO first; `MSG` gets `OK`; others get `FROM`.
    Reference,
    /// ncat --broker: every line sent is copied to every other client as is.
    Broker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pace {
    /// `rate` lines a second per client.
    Paced,
    /// The same number of lines, back to back.
    Burst,
}

#[derive(Debug)]
struct ChatResult {
    expected: u64,
    delivered: u64,
    per_sec: f64,
    p50_us: u64,
    p99_us: u64,
}

async fn chat(o: &Options, addr: SocketAddr, target: Target, pace: Pace) -> ChatResult {
    let phase = Instant::now();
    let result = chat_run(o, addr, target, pace).await;
    eprintln!(
        "  ({target:?} {pace:?}: {:.1} s)",
        phase.elapsed().as_secs_f64()
    );
    result
}

async fn chat_run(o: &Options, addr: SocketAddr, target: Target, pace: Pace) -> ChatResult {
    let lines_each = ((o.rate as f64 * o.secs).round() as u64).max(1);
    let expected_each = lines_each * (o.clients as u64 - 1);
    let base = Instant::now();
    let mut halves = Vec::new();
    for i in 0..o.clients {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (mut rd, mut wr) = stream.into_split();
        let mut buf = BytesMut::new();
        if target == Target::Reference {
            wr.write_all(format!("HELLO c{i}\n").as_bytes())
                .await
                .expect("hello");
            let mut decoder = Decoder::<ServerMessage>::new(limits());
            match next::<ServerMessage>(&mut rd, &mut buf, &mut decoder).await {
                Some(ServerMessage::Welcome(_)) => {}
                other => panic!("HELLO c{i}: {other:?}"),
            }
        }
        halves.push((rd, wr, buf));
    }
    // ncat relays only to clients it has accepted: make sure every one has been.
    if target == Target::Broker {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(o.secs) + Duration::from_secs(10);
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for (i, (rd, mut wr, buf)) in halves.into_iter().enumerate() {
        readers.push(tokio::spawn(receive(
            rd,
            buf,
            target,
            base,
            expected_each,
            lines_each,
            deadline,
        )));
        let rate = o.rate;
        let clients = o.clients;
        writers.push(tokio::spawn(async move {
            // Spread the clients' schedules over one period.
            let period = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
            let offset = period.mul_f64(i as f64 / clients as f64);
            let mut out = Vec::new();
            for seq in 0..lines_each {
                if pace == Pace::Paced {
                    let due = start + offset + period * seq as u32;
                    tokio::time::sleep_until(due.into()).await;
                }
                out.clear();
                let sent_us = base.elapsed().as_micros();
                out.extend_from_slice(format!("MSG {i} {seq} {sent_us}\n").as_bytes());
                if wr.write_all(&out).await.is_err() {
                    break;
                }
            }
            wr
        }));
    }
    let mut writers_back = Vec::new();
    for w in writers {
        writers_back.push(w.await.expect("writer"));
    }
    let mut latencies = Vec::new();
    let mut delivered = 0u64;
    let mut last = start;
    for r in readers {
        let got = r.await.expect("reader");
        delivered += got.latencies_us.len() as u64;
        latencies.extend(got.latencies_us);
        last = last.max(got.last);
    }
    drop(writers_back);
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as u64
    };
    ChatResult {
        expected: expected_each * o.clients as u64,
        delivered,
        per_sec: delivered as f64 / (last - start).as_secs_f64().max(1e-9),
        p50_us: pick(0.50),
        p99_us: pick(0.99),
    }
}

struct Received {
    latencies_us: Vec<u32>,
    last: Instant,
}

/// Reads one client's stream until every line of the others arrived (and, for the reference,
/// the client's own `OK`s), or the deadline.
async fn receive(
    mut rd: OwnedReadHalf,
    mut buf: BytesMut,
    target: Target,
    base: Instant,
    expected: u64,
    own: u64,
    deadline: Instant,
) -> Received {
    let mut latencies_us = Vec::with_capacity(expected as usize);
    let mut last = Instant::now();
    let mut oks = 0u64;
    let wanted_oks = if target == Target::Reference { own } else { 0 };
    let mut server_side = Decoder::<ServerMessage>::new(limits());
    let mut client_side = Decoder::<ClientMessage>::new(limits());
    while (latencies_us.len() as u64) < expected || oks < wanted_oks {
        // Everything decodable first.
        loop {
            let text = match target {
                Target::Reference => match server_side.decode(&mut buf) {
                    Ok(Some(Decoded::Message(ServerMessage::From { text, .. }))) => text,
                    Ok(Some(Decoded::Message(ServerMessage::Ok(_)))) => {
                        oks += 1;
                        continue;
                    }
                    Ok(Some(other)) => panic!("unexpected {other:?}"),
                    Ok(None) => break,
                    Err(e) => panic!("{e}"),
                },
                Target::Broker => match client_side.decode(&mut buf) {
                    Ok(Some(Decoded::Message(ClientMessage::Msg(text)))) => text,
                    Ok(Some(other)) => panic!("unexpected {other:?}"),
                    Ok(None) => break,
                    Err(e) => panic!("{e}"),
                },
            };
            let now = Instant::now();
            let sent_us: u128 = text
                .as_str()
                .rsplit(' ')
                .next()
                .and_then(|t| t.parse().ok())
                .expect("timestamp");
            let latency = now.duration_since(base).as_micros().saturating_sub(sent_us);
            latencies_us.push(u32::try_from(latency).unwrap_or(u32::MAX));
            last = now;
        }
        if latencies_us.len() as u64 >= expected && oks >= wanted_oks {
            break;
        }
        buf.reserve(64 * 1024);
        match tokio::time::timeout_at(deadline.into(), rd.read_buf(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => break,
        }
    }
    Received { latencies_us, last }
}

async fn next<M: wire::Message>(
    rd: &mut OwnedReadHalf,
    buf: &mut BytesMut,
    decoder: &mut Decoder<M>,
) -> Option<M> {
    loop {
        if let Ok(Some(Decoded::Message(m))) = decoder.decode(buf) {
            return Some(m);
        }
        if rd.read_buf(buf).await.ok()? == 0 {
            return None;
        }
    }
}

fn limits() -> Limits {
    Limits {
        max_line: 64 * 1024,
        max_payload: u64::MAX,
    }
}

// ---------------------------------------------------------------------------------------------
// Download.

/// Writes `size` bytes of pseudo-random content (a 1 MiB pattern repeated).
fn make_file(path: &Path, size: u64) {
    use std::io::Write;
    let mut rng = fastrand::Rng::with_seed(1);
    let mut block = vec![0u8; 1024 * 1024];
    rng.fill(&mut block);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n]).expect("write");
        left -= n as u64;
    }
    file.flush().expect("flush");
}

async fn get_mb_per_s(addr: SocketAddr, size: u64) -> f64 {
    let mut client = reference::client::Client::connect(addr)
        .await
        .expect("connect");
    client
        .hello(&Name::new(format!("get{}", fastrand::u32(..))).expect("name"))
        .await
        .expect("hello");
    let start = Instant::now();
    let got = client
        .get(
            &PathArg::new("big.bin").expect("path"),
            &mut tokio::io::sink(),
            &mut |_| {},
        )
        .await
        .expect("GET");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(got, size);
    let _ = client.bye(None).await;
    size as f64 / secs / 1e6
}

/// iperf3 over loopback, one stream: the receiver's rate in MB/s.
fn iperf3(secs: u32, length: Option<&str>) -> Option<f64> {
    let addr = free_port();
    let port = addr.port().to_string();
    let mut server = Command::new("iperf3")
        .args(["-s", "-1", "-B", "127.0.0.1", "-p", &port])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    wait_listening_iperf(&port);
    let mut client = Command::new("iperf3");
    client.args([
        "-c",
        "127.0.0.1",
        "-p",
        &port,
        "-J",
        "-t",
        &secs.to_string(),
    ]);
    if let Some(length) = length {
        client.args(["-l", length]);
    }
    let output = client.output().ok();
    let _ = server.kill();
    let _ = server.wait();
    let json = String::from_utf8(output?.stdout).ok()?;
    // "sum_received": { ..., "bits_per_second": N, ... }
    let received = &json[json.find("\"sum_received\"")?..];
    let value = &received[received.find("\"bits_per_second\"")? + "\"bits_per_second\"".len()..];
    let number: String = value
        .trim_start_matches([':', ' ', '\t'])
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == '+')
        .collect();
    number.parse::<f64>().ok().map(|bits| bits / 8.0 / 1e6)
}

/// iperf3's server takes a moment to listen; a probe connection would use up its one test
/// (`-1`), so wait for the port to show up in /proc/net/tcp instead.
fn wait_listening_iperf(port: &str) {
    let hex = format!(":{:04X}", port.parse::<u16>().unwrap_or(0));
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let listening = std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| {
            t.lines().any(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|a| a.ends_with(&hex))
                    && l.split_whitespace().nth(3) == Some("0A")
            })
        });
        if listening {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn format_us(us: u64) -> String {
    if us >= 10_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} ms", us as f64 / 1000.0)
    }
}

fn format_kib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
