//! The runner against small servers written here to misbehave in one precise way: what the
//! verdict says must be what the server did. Each server is a tokio task on an ephemeral
//! loopback port; each scenario is YAML written to a temporary suite.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use conformance::engine::{RunOptions, Target, probe, run_suite};
use conformance::outcome::{RunReport, Status};
use conformance::report::words;
use conformance::scenario::{ProbeKind, load_suite};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A server on 127.0.0.1:0 that runs `serve` for every connection it accepts.
async fn server<F, Fut>(serve: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let serve = Arc::new(serve);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    addr
}

/// Runs one scenario (YAML text) against `addr` with no probe between scenarios.
async fn run_one(yaml: &str, addr: SocketAddr) -> RunReport {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("suite.yaml"),
        "name: fake\ntitle: fake servers\n",
    )
    .expect("write the suite");
    std::fs::write(dir.path().join("010-case.yaml"), yaml).expect("write the scenario");
    let suite = Arc::new(load_suite(dir.path()).expect("the scenario loads"));
    let opts = RunOptions {
        probe: Some(ProbeKind::None),
        ..RunOptions::default()
    };
    let target = Target {
        addr,
        description: addr.to_string(),
    };
    run_suite(suite, &target, &opts, |_| {}).await
}

/// The one scenario's failure in words: `got`.
fn got(report: &RunReport) -> String {
    let r = &report.scenarios[0];
    assert_eq!(r.status, Status::Failed, "{r:?}");
    words::got(r.failure.as_ref().expect("a failure"))
}

#[tokio::test]
async fn the_probe_leaves_no_connection_open() {
    let open = Arc::new(AtomicUsize::new(0));
    let counted = open.clone();
    // Counts a connection from accept until it has read the client's end of stream.
    let addr = server(move |mut s| {
        let open = counted.clone();
        async move {
            open.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 64];
            while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
            open.fetch_sub(1, Ordering::SeqCst);
        }
    })
    .await;
    for kind in [ProbeKind::Ping, ProbeKind::Connect] {
        probe(addr, kind, 1.0).await.expect("up");
        assert_eq!(open.load(Ordering::SeqCst), 0, "{kind:?} left a connection");
    }
}

#[tokio::test]
async fn a_payload_shorter_than_announced_is_named() {
    let addr = server(|mut s| async move {
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(b"FILE 46\n").await;
        let _ = s.write_all(&[b'x'; 45]).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let yaml = "id: short\ntitle: t\nrequirements: []\nsteps:\n  - send: GET a.txt\n  - expect: FILE\n    timeout: 300\n";
    let got = got(&run_one(yaml, addr).await);
    assert_eq!(
        got,
        "`FILE 46`, which announces 46 bytes; only 45 arrived before the deadline"
    );
}

/// A server that reads one request, then writes `reply` and either closes when the client does
/// (`close` false) or at once.
async fn replying(reply: &'static [u8], close: bool) -> SocketAddr {
    server(move |mut s| async move {
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(reply).await;
        if !close {
            while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
        }
    })
    .await
}

const PONG_T1: &str = "id: raw\ntitle: t\nrequirements: []\nsteps:\n  - send: PING t1\n  - expect_raw: { exact: \"PONG t1\\n\" }\n    timeout: 300\n";

#[tokio::test]
async fn raw_bytes_that_can_never_match_fail_at_once_and_are_shown() {
    let report = run_one(PONG_T1, replying(b"PONG\n", false).await).await;
    // `PONG\n` against `PONG t1\n`: the count, the bytes, and where they part.
    assert_eq!(
        got(&report),
        "5 bytes `PONG\\n`, differing from the expected from byte 4 on"
    );
    // At once: not after the deadline.
    assert!(
        report.scenarios[0].duration_ms < 250,
        "{:?}",
        report.scenarios[0]
    );
}

#[tokio::test]
async fn raw_bytes_that_stop_short_are_shown_as_they_are() {
    let report = run_one(PONG_T1, replying(b"PONG", false).await).await;
    assert_eq!(
        got(&report),
        "4 bytes, no match, then nothing more before the deadline"
    );
    let f = report.scenarios[0].failure.as_ref().unwrap();
    assert_eq!(words::received(f).as_deref(), Some("PONG"));
}

#[tokio::test]
async fn raw_bytes_then_a_close_keep_the_bytes() {
    let report = run_one(PONG_T1, replying(b"PON", true).await).await;
    assert_eq!(
        got(&report),
        "3 bytes, then the server closed the connection (FIN (orderly close))"
    );
}

/// A send of 32 MiB with a short deadline, against a server that reads as `read` says.
async fn big_send(
    read: fn(TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
) -> String {
    let addr = server(read).await;
    let yaml = "id: big\ntitle: t\nrequirements: []\nsteps:\n  - send_raw: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n    repeat: 524288\n    timeout: 2500\n";
    got(&run_one(yaml, addr).await)
}

#[tokio::test]
async fn a_server_that_never_reads_is_said_to_have_stopped() {
    let got = big_send(|s| {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(s);
        })
    })
    .await;
    // The kernel's buffers take the first bytes; then nothing moves.
    assert!(
        got.starts_with("the server stopped reading: it took "),
        "{got}"
    );
}

#[tokio::test]
async fn a_server_that_reads_slowly_is_said_to_be_slow() {
    let got = big_send(|mut s| {
        Box::pin(async move {
            let mut buf = vec![0u8; 64 * 1024];
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            loop {
                tick.tick().await;
                if !matches!(s.read(&mut buf).await, Ok(n) if n > 0) {
                    return;
                }
            }
        })
    })
    .await;
    assert!(
        got.starts_with("the server reads too slowly: it took "),
        "{got}"
    );
}

/// A server that accepts and closes at once is up (it accepted): its scenarios fail, each
/// saying the server closed the connection; it is neither "unreachable" nor "reset".
#[tokio::test]
async fn a_server_that_accepts_and_closes_is_up_and_fails_its_scenarios() {
    let addr = server(|s| async move { drop(s) }).await;
    let yaml = "id: closes\ntitle: t\nrequirements: []\nsteps:\n  - send: PING\n  - expect: PONG\n";
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("suite.yaml"),
        "name: fake\ntitle: fake servers\n",
    )
    .expect("write the suite");
    std::fs::write(dir.path().join("010-case.yaml"), yaml).expect("write the scenario");
    let suite = Arc::new(load_suite(dir.path()).expect("loads"));
    let target = Target {
        addr,
        description: addr.to_string(),
    };
    for kind in [ProbeKind::Ping, ProbeKind::Connect] {
        let opts = RunOptions {
            probe: Some(kind),
            ..RunOptions::default()
        };
        let report = run_suite(suite.clone(), &target, &opts, |_| {}).await;
        assert_eq!(report.unreachable, None, "{kind:?}");
        let got = got(&report);
        assert!(
            got.starts_with("the server closed the connection"),
            "{kind:?}: {got}"
        );
    }
}

/// Serves `sixteen-connections`' requests: `PING` gets a PONG, `BYE` a BYE and the server's
/// close, the client's end of stream the server's close. With `flood`, every connection after
/// the first two gets PONGs it never asked for, a few a millisecond, and nothing is read: a
/// barrier's PONG there answers nothing.
async fn pong_server(flood: bool) -> SocketAddr {
    let accepted = Arc::new(AtomicUsize::new(0));
    server(move |s| {
        let nth = accepted.fetch_add(1, Ordering::SeqCst);
        async move {
            if flood && nth >= 2 {
                let mut s = s;
                while s.write_all(b"PONG\nPONG\n").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                return;
            }
            serve_pings(s).await;
        }
    })
    .await
}

async fn serve_pings(s: TcpStream) {
    let (read, mut write) = s.into_split();
    let mut lines = tokio::io::BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        match tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let reply: &[u8] = match line.trim_end() {
            "PING" => b"PONG\n",
            "BYE" => b"BYE\n",
            _ => b"ERR 400 not here\n",
        };
        if write.write_all(reply).await.is_err() || line.starts_with("BYE") {
            break;
        }
    }
    let _ = write.shutdown().await;
}

/// A server that sends PONGs nobody asked for is not "serving sixteen connections": a
/// barrier's PONG is not enough, the connections must then be quiet. The same server answering
/// each PING once passes (the control).
#[tokio::test]
async fn a_server_that_floods_pongs_fails_sixteen_connections() {
    let yaml = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../conformance/core/111-sixteen-connections.yaml"),
    )
    .expect("read the scenario");
    let report = run_one(&yaml, pong_server(false).await).await;
    assert_eq!(report.scenarios[0].status, Status::Passed, "{report:?}");
    let report = run_one(&yaml, pong_server(true).await).await;
    let got = got(&report);
    assert!(got.contains("PONG"), "{got}");
}
