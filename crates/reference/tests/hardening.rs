//! Hostile clients against the reference server, bounded in count and time: a real client is
//! still served within seconds (the lockout policy of spec §11), nothing is lost, nothing is
//! left behind.

mod common;

use std::time::{Duration, Instant};

use common::{Conn, TestServer, within};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How long a real client may take to be served under an attack.
const SERVED_WITHIN: Duration = Duration::from_secs(5);

/// A real client: HELLO, WELCOME, PING, PONG, within [`SERVED_WITHIN`].
async fn real_client_is_served(server: &TestServer, name: &str) -> Duration {
    let started = Instant::now();
    let served = tokio::time::timeout(SERVED_WITHIN, async {
        let mut c = Conn::connect(server.addr).await;
        c.send_line(&format!("HELLO {name}")).await;
        let welcome = c.recv().await.to_string();
        assert!(welcome.starts_with("WELCOME"), "{welcome}");
        c.barrier("t1").await;
    })
    .await;
    assert!(
        served.is_ok(),
        "a real client was not served within {SERVED_WITHIN:?}"
    );
    // The figure the README quotes (`--nocapture`).
    eprintln!("{name}: served in {:?}", started.elapsed());
    started.elapsed()
}

/// Fills every slot of a server limited to `limit` with connections that never say HELLO.
async fn fill(server: &TestServer, limit: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for _ in 0..limit {
        held.push(
            within(TcpStream::connect(server.addr))
                .await
                .expect("connect"),
        );
    }
    held
}

#[tokio::test]
async fn idle_sockets_do_not_lock_a_real_client_out() {
    let server = TestServer::start(false, |c| c.max_connections = 32).await;
    let _held = fill(&server, 32).await;
    // Past the time a silent connection has to say HELLO, they give way.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let took = real_client_is_served(&server, "alice").await;
    assert!(took < SERVED_WITHIN, "{took:?}");
}

#[tokio::test]
async fn trickling_sockets_do_not_lock_a_real_client_out() {
    let server = TestServer::start(false, |c| c.max_connections = 32).await;
    let mut held = fill(&server, 32).await;
    // Each sends a byte every 200 ms of a line it never ends: never introduced.
    let trickle = tokio::spawn(async move {
        for _ in 0..30 {
            for s in held.iter_mut() {
                let _ = s.write_all(b"x").await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    tokio::time::sleep(Duration::from_millis(2100)).await;
    real_client_is_served(&server, "bob").await;
    trickle.abort();
}

/// Every connection over the limit gets `ERR 503`, however many come at once (LIMIT-6).
#[tokio::test]
async fn a_burst_over_the_limit_is_refused_with_503_every_time() {
    let server = TestServer::start(false, |c| c.max_connections = 16).await;
    let mut introduced = Vec::new();
    for i in 0..16 {
        introduced.push(server.hello(&format!("held{i}")).await);
    }
    let burst: Vec<_> = (0..200)
        .map(|_| {
            let addr = server.addr;
            tokio::spawn(async move {
                let mut c = Conn::connect(addr).await;
                c.expect_err(503).await;
            })
        })
        .collect();
    for b in burst {
        within(b)
            .await
            .expect("every over-limit client reads ERR 503");
    }
}

/// An introduced client is never evicted: only connections that said nothing give way.
#[tokio::test]
async fn introduced_clients_are_not_evicted() {
    let server = TestServer::start(false, |c| c.max_connections = 16).await;
    let mut introduced = Vec::new();
    for i in 0..16 {
        introduced.push(server.hello(&format!("kept{i}")).await);
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut late = Conn::connect(server.addr).await;
    late.expect_err(503).await;
    for c in &mut introduced {
        c.barrier("still").await;
    }
}

/// The temporary file of an upload cut by a `kill -9` is removed when the server starts again.
#[tokio::test]
async fn stale_upload_files_are_removed_at_start() {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(root.path().join("notes")).expect("mkdir");
    let stale = root.path().join("notes/.upload-0123456789abcdef.part");
    std::fs::write(&stale, vec![7u8; 4096]).expect("write");
    let kept = root.path().join("notes/today.txt");
    std::fs::write(&kept, b"kept").expect("write");
    let config = reference::Config::new(root.path());
    let handle = reference::server::spawn("127.0.0.1:0".parse().expect("addr"), false, config)
        .await
        .expect("starts");
    // The server is serving: the sweep ran before it accepted.
    let mut c = Conn::connect(handle.local_addr()).await;
    c.barrier("ready").await;
    assert!(!stale.exists(), "the stale upload is still there");
    assert_eq!(std::fs::read(&kept).expect("kept"), b"kept");
    within(handle.shutdown()).await.expect("stops");
}

/// Links that loop lead to no file: 404, not 500 (GET-3).
#[cfg(unix)]
#[tokio::test]
async fn a_looping_symlink_is_not_found() {
    let server = TestServer::default().await;
    std::os::unix::fs::symlink("loop-b", server.dir().join("loop-a")).expect("link");
    std::os::unix::fs::symlink("loop-a", server.dir().join("loop-b")).expect("link");
    let mut c = server.hello("carol").await;
    c.send_line("GET loop-a").await;
    c.expect_err(404).await;
}

/// Eight clients upload the same name at once: each is told OK, the file ends up as one of the
/// uploads whole (never a mix, never cut), and no temporary file is left.
#[tokio::test]
async fn concurrent_uploads_of_one_name_leave_one_whole_file() {
    let server = TestServer::default().await;
    let uploads: Vec<Vec<u8>> = (0..8)
        .map(|i| common::random_bytes(256 * 1024, i))
        .collect();
    let tasks: Vec<_> = uploads
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, body)| {
            let addr = server.addr;
            tokio::spawn(async move {
                let mut c = Conn::connect(addr).await;
                c.send_line(&format!("HELLO up{i}")).await;
                assert!(c.recv().await.to_string().starts_with("WELCOME"));
                c.send(format!("PUT same.bin {}\n", body.len()).as_bytes())
                    .await;
                c.send(&body).await;
                c.expect("OK stored same.bin").await;
            })
        })
        .collect();
    for t in tasks {
        within(t).await.expect("every upload is stored");
    }
    let stored = std::fs::read(server.dir().join("same.bin")).expect("stored");
    assert!(
        uploads.contains(&stored),
        "the file is no single upload whole"
    );
    assert_eq!(server.files(), vec!["same.bin".to_owned()]);
}

/// Absurd sizes and endless lines are refused (`ERR 413`, then close) and cost the others
/// nothing: a real client is served right after.
#[tokio::test]
async fn absurd_sizes_and_endless_lines_are_refused_and_others_served() {
    let server = TestServer::default().await;
    let mut absurd = server.hello("absurd").await;
    absurd.send_line("PUT big.bin 99999999999999999999").await;
    absurd.expect_err(413).await;
    absurd.expect_eof().await;
    // Two octets past the line limit without a line end are enough to be refused (LIMIT-2).
    let mut endless = Conn::connect(server.addr).await;
    endless.send(&[b'x'; 4096 + 2]).await;
    endless.expect_err(413).await;
    real_client_is_served(&server, "after").await;
    assert!(server.files().is_empty(), "{:?}", server.files());
}

/// Thousands of UDP source ports registering and chatting: a peer registered before still
/// gets its `PONG` within seconds (its socket is read all along, and the `PING` sent again
/// every 500 ms, as a UDP client must: a datagram may be dropped), and a TCP client is served.
#[tokio::test]
async fn udp_churn_leaves_bystanders_served() {
    let server = TestServer::start(true, |_| {}).await;
    let bystander = std::sync::Arc::new(
        tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind"),
    );
    bystander.connect(server.addr).await.expect("connect");
    bystander.send(b"HELLO bystander\n").await.expect("send");
    let mut buf = vec![0u8; 65536];
    let n = within(bystander.recv(&mut buf)).await.expect("welcome");
    assert!(buf[..n].starts_with(b"WELCOME"));
    for wave in 0..4 {
        let mut sockets = Vec::new();
        for i in 0..250 {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            let hello = format!("HELLO churn{wave}x{i}\n");
            let _ = s.send_to(hello.as_bytes(), server.addr);
            let _ = s.send_to(b"MSG hi from the crowd\n", server.addr);
            sockets.push(s);
        }
        let token = format!("PONG w{wave}");
        let reader = bystander.clone();
        let answered = tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            loop {
                let n = reader.recv(&mut buf).await.expect("recv");
                if buf[..n].starts_with(token.as_bytes()) {
                    break;
                }
            }
        });
        let started = std::time::Instant::now();
        let pinger = bystander.clone();
        let pings = tokio::spawn(async move {
            loop {
                let _ = pinger.send(format!("PING w{wave}\n").as_bytes()).await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        let pong = tokio::time::timeout(SERVED_WITHIN, answered).await;
        pings.abort();
        assert!(
            pong.is_ok(),
            "wave {wave}: no PONG within {SERVED_WITHIN:?}"
        );
        eprintln!("wave {wave}: PONG after {:?}", started.elapsed());
    }
    real_client_is_served(&server, "tcpclient").await;
}
