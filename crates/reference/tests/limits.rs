//! The edges of spec §9 over loopback: limits at their minimum and maximum, when a long line is
//! refused, idle time counted per octet, and when a connection's slot is free again.

mod common;

use std::time::Duration;

use common::TestServer;
use reference::server::{Config, MAX_DATAGRAM_LIMIT, MAX_LINE_LIMIT};
use tokio::io::AsyncWriteExt;

/// LIMIT-7, UDP-16: settings above the maximums are refused, settings at them accepted.
#[test]
fn limits_have_a_maximum() {
    let mut config = Config::new(".");
    config.max_line = MAX_LINE_LIMIT;
    config.max_datagram = MAX_DATAGRAM_LIMIT;
    config.validate().expect("the maximums are valid settings");
    assert_eq!((MAX_LINE_LIMIT, MAX_DATAGRAM_LIMIT), (65536, 8192));

    let mut line = config.clone();
    line.max_line = MAX_LINE_LIMIT + 1;
    let e = line
        .validate()
        .expect_err("a line limit of 65537")
        .to_string();
    assert!(e.contains("LIMIT-7"), "{e}");

    let mut datagram = config.clone();
    datagram.max_datagram = MAX_DATAGRAM_LIMIT + 1;
    let e = datagram
        .validate()
        .expect_err("a datagram limit of 8193")
        .to_string();
    assert!(e.contains("UDP-16"), "{e}");
}

/// LIMIT-1 at a limit of exactly 1024: a line of 1024 octets is served whether it ends in LF or
/// CR LF, also when the CR and the LF arrive in separate writes (1025 octets ending in CR are not
/// too long: the LF may follow).
#[tokio::test]
async fn a_line_at_the_limit_is_served_with_either_terminator() {
    let server = TestServer::start(false, |c| c.max_line = 1024).await;
    let mut conn = server.connect().await;
    let line = format!("MSG {}", "x".repeat(1020));
    assert_eq!(line.len(), 1024);
    conn.send(format!("{line}\n").as_bytes()).await;
    conn.expect_err(401).await;
    conn.send(format!("{line}\r\n").as_bytes()).await;
    conn.expect_err(401).await;
    conn.send(format!("{line}\r").as_bytes()).await;
    conn.send(b"\n").await;
    conn.expect_err(401).await;
    conn.barrier("still-open").await;
}

/// LIMIT-2: with limit L, L + 2 octets without LF are refused at once; the client sends nothing
/// more and still gets ERR 413, then the close.
#[tokio::test]
async fn a_long_line_is_refused_at_limit_plus_two_octets() {
    let server = TestServer::start(false, |c| c.max_line = 1024).await;
    let mut conn = server.connect().await;
    let octets = format!("MSG {}", "x".repeat(1022));
    assert_eq!(octets.len(), 1026);
    conn.send(octets.as_bytes()).await;
    assert!(conn.expect_err(413).await.contains("line too long"));
    conn.expect_eof().await;
}

/// LIMIT-4: idle time counts from the last octet, not from the start of a request: a line that
/// trickles in over more than the idle limit, with shorter gaps, is answered.
#[tokio::test]
async fn idle_time_restarts_at_every_octet() {
    let idle = Duration::from_millis(1000);
    let gap = Duration::from_millis(600);
    let server = TestServer::start(false, |c| c.idle_timeout = idle).await;
    let mut conn = server.connect().await;
    conn.send(b"PING ").await;
    // Waiting out durations the test is about, not synchronising with the server.
    tokio::time::sleep(gap).await;
    conn.send(b"slow").await;
    tokio::time::sleep(gap).await;
    conn.send(b"ly\n").await;
    conn.expect("PONG slowly").await;
}

/// CONN-8: at a connection limit of 1, the slot of a closed connection is free as soon as the
/// client has read the server's FIN, whichever side ended the session, even while the client
/// still holds its socket open (the server may be lingering on it); never an ERR 503.
#[tokio::test]
async fn a_slot_is_free_once_the_server_fin_is_read() {
    let server = TestServer::start(false, |c| c.max_connections = 1).await;
    let mut previous = None;
    for round in 0..40 {
        let mut conn = server.connect().await;
        let token = format!("r{round}");
        conn.send_line(&format!("PING {token}")).await;
        conn.expect(&format!("PONG {token}")).await;
        drop(previous.take());
        if round % 2 == 0 {
            conn.send_line("BYE").await;
            conn.expect("BYE goodbye").await;
        } else {
            // EOF from the client: the server closes too (CONN-4).
            conn.stream.shutdown().await.unwrap();
        }
        conn.expect_eof().await;
        previous = Some(conn);
    }
}
