//! The download load: `GET` of a large file, beside loopback's ceiling measured by `iperf3`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use wire::{Name, PathArg};

use crate::processes::{Running, free_port, wait_until};

/// The file's name in the served folder.
pub const FILE: &str = "big.bin";

/// Writes `size` bytes of pseudo-random content (a 1 MiB pattern repeated).
pub fn make_file(path: &Path, size: u64) {
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

/// One `GET` of [`FILE`] with the reference client, in MB/s (10^6 bytes).
pub async fn get_mb_per_s(addr: SocketAddr, size: u64) -> f64 {
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
            &PathArg::new(FILE).expect("path"),
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

/// One `PUT` of the file at `path` (`size` bytes) with the reference client, in MB/s, from
/// the first byte sent to the `OK` (the server has synced the file and renamed it).
pub async fn put_mb_per_s(addr: SocketAddr, path: &Path, size: u64) -> f64 {
    let mut client = reference::client::Client::connect(addr)
        .await
        .expect("connect");
    client
        .hello(&Name::new(format!("put{}", fastrand::u32(..))).expect("name"))
        .await
        .expect("hello");
    let mut file = tokio::fs::File::open(path).await.expect("open");
    let start = Instant::now();
    client
        .put(
            &PathArg::new("uploaded.bin").expect("path"),
            size,
            &mut file,
            &mut |_| {},
        )
        .await
        .expect("PUT");
    let secs = start.elapsed().as_secs_f64();
    let _ = client.bye(None).await;
    size as f64 / secs / 1e6
}

/// iperf3 over loopback, one stream, writes of `length` (its default if `None`): the
/// receiver's rate in MB/s.
pub fn iperf3(secs: u32, length: Option<&str>) -> Option<f64> {
    let port = free_port().port().to_string();
    let server = Command::new("iperf3")
        .args(["-s", "-1", "-B", "127.0.0.1", "-p", &port])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let server = Running(server);
    // A probe connection would use up the server's one test (`-1`): watch /proc instead.
    wait_until(|| is_listening(&port));
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
    drop(server);
    received_mb_per_s(&String::from_utf8(output?.stdout).ok()?)
}

/// `"sum_received": { ..., "bits_per_second": N, ... }` of iperf3's JSON, in MB/s.
fn received_mb_per_s(json: &str) -> Option<f64> {
    let received = &json[json.find("\"sum_received\"")?..];
    let key = "\"bits_per_second\"";
    let value = &received[received.find(key)? + key.len()..];
    let number: String = value
        .trim_start_matches([':', ' ', '\t'])
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == '+')
        .collect();
    number.parse::<f64>().ok().map(|bits| bits / 8.0 / 1e6)
}

/// Whether something listens on TCP `port` of 127.0.0.1, per /proc/net/tcp.
fn is_listening(port: &str) -> bool {
    let hex = format!(":{:04X}", port.parse::<u16>().unwrap_or(0));
    std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| {
        t.lines().any(|l| {
            let mut fields = l.split_whitespace();
            let local = fields.nth(1);
            let state = fields.nth(1);
            local.is_some_and(|a| a.ends_with(&hex)) && state == Some("0A")
        })
    })
}
