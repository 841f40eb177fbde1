//! One connection against the server over loopback: framing, replies, errors, limits, states.

mod common;

use std::time::Duration;

use common::TestServer;
use tokio::io::AsyncWriteExt;

/// Spec §12.6: four pipelined requests in one write get four replies, in order, byte for byte,
/// then the server closes (FRAME-2, ORDER-1, ORDER-2, BYE-1).
#[tokio::test]
async fn pipelined_fixture_is_answered_byte_exactly() {
    let server = TestServer::default().await;
    let mut conn = server.connect().await;
    conn.send(b"HELLO alice\nPING 1\nMSG hi\nBYE\n").await;
    assert_eq!(
        conn.read_to_end().await,
        b"WELCOME hello alice\nPONG 1\nOK\nBYE goodbye\n"
    );
}

/// A request split at every byte boundary, CRLF included, is answered as if whole (FRAME-1,
/// FRAME-3); the server writes LF only (FRAME-4).
#[tokio::test]
async fn requests_split_byte_by_byte_with_crlf() {
    let server = TestServer::default().await;
    std::fs::write(server.dir().join("a.txt"), "hello").unwrap();
    let mut conn = server.connect().await;
    for byte in b"HELLO alice\r\nPUT b.txt 3\r\nxyzGET a.txt\r\nPING \xc3\xa9\r\nPING t\r\n" {
        conn.send(&[*byte]).await;
    }
    conn.send(b"BYE\n").await;
    assert_eq!(
        String::from_utf8(conn.read_to_end().await).unwrap(),
        "WELCOME hello alice\nOK stored b.txt\nFILE 5\nhello\
         ERR 400 invalid character in token\nPONG t\nBYE goodbye\n"
    );
    assert_eq!(std::fs::read(server.dir().join("b.txt")).unwrap(), b"xyz");
}

/// Spec §12.5, in one session: 401 before HELLO with the PUT payload consumed (PUT-4), 400 for a
/// lowercase verb and a double space, 409 when introduced twice, 403 for escaping paths, 404,
/// 400 for a bad size without consuming a payload (SYNTAX-7), the connection still usable
/// (SYNTAX-1), then 413 and close for an oversized upload (PUT-2).
#[tokio::test]
async fn error_transcript_of_the_spec() {
    let server = TestServer::default().await;
    let mut c = server.connect().await;
    c.send_line("GET docs/readme.txt").await;
    c.expect_err(401).await;
    c.send(b"PUT x.txt 3\nabc").await;
    c.expect_err(401).await;
    c.send_line("hello alice").await;
    assert!(c.expect_err(400).await.contains("hello"));
    c.send_line("HELLO  alice").await;
    c.expect_err(400).await;
    c.send_line("HELLO alice").await;
    c.expect("WELCOME hello alice").await;
    c.send_line("HELLO alice").await;
    c.expect_err(409).await;
    c.send_line("GET ../etc/passwd").await;
    c.expect_err(403).await;
    c.send_line("GET C://batches//one.jpg").await;
    c.expect_err(403).await;
    c.send_line("GET missing.txt").await;
    c.expect_err(404).await;
    c.send_line("PUT a.txt 12x").await;
    c.expect_err(400).await;
    c.send_line("PING still-here").await;
    c.expect("PONG still-here").await;
    c.send_line("PUT big.iso 1099511627776").await;
    assert!(c.expect_err(413).await.contains("upload too large"));
    c.expect_eof().await;
    assert!(
        server.files().is_empty(),
        "nothing stored: {:?}",
        server.files()
    );
}

/// The server sends nothing before the first request (STATE-2): the first bytes a client reads
/// are the reply to its first request.
#[tokio::test]
async fn nothing_is_sent_before_the_first_request() {
    let server = TestServer::default().await;
    let mut conn = server.connect().await;
    conn.send_line("PING first").await;
    conn.expect("PONG first").await;
}

/// HELLO-2: a name held by another connection is refused, and the refused connection stays NEW;
/// the name is free again once its holder leaves (CONN-3).
#[tokio::test]
async fn names_are_exclusive_and_released() {
    let server = TestServer::default().await;
    let mut alice = server.hello("alice").await;
    let mut other = server.connect().await;
    other.send_line("HELLO alice").await;
    other.expect_err(409).await;
    other.send_line("MSG still new").await;
    other.expect_err(401).await;
    alice.send_line("BYE").await;
    alice.expect("BYE goodbye").await;
    alice.expect_eof().await;
    other.send_line("HELLO alice").await;
    other.expect("WELCOME hello alice").await;
}

/// LIMIT-2: a line over the limit gets ERR 413 and a close, without waiting for its end; a line
/// at the limit is served.
#[tokio::test]
async fn line_limit() {
    let server = TestServer::start(false, |c| c.max_line = 1024).await;
    let mut conn = server.connect().await;
    let at_limit = format!("PING {}", "t".repeat(64));
    conn.send_line(&at_limit).await;
    conn.recv().await;
    conn.send_line(&format!("MSG {}", "x".repeat(1020))).await;
    conn.expect_err(401).await;
    conn.send(format!("MSG {}", "x".repeat(2000)).as_bytes())
        .await;
    assert!(conn.expect_err(413).await.contains("line too long"));
    conn.expect_eof().await;
}

/// LIMIT-6: beyond the connection limit a connection gets ERR 503 and is closed; the others are
/// unaffected, and a slot freed is usable again.
#[tokio::test]
async fn connection_limit() {
    let server = TestServer::start(false, |c| c.max_connections = 2).await;
    let mut a = server.connect().await;
    let mut b = server.connect().await;
    a.barrier("a").await;
    b.barrier("b").await;
    let mut c = server.connect().await;
    c.expect_err(503).await;
    c.expect_eof().await;
    a.send_line("BYE").await;
    a.expect("BYE goodbye").await;
    a.expect_eof().await;
    drop(a);
    // CONN-8: a's slot was freed no later than the FIN just read, so d is served at once.
    let mut d = server.connect().await;
    d.barrier("d").await;
    b.barrier("b2").await;
    d.barrier("d2").await;
}

/// LIMIT-5: a silent client gets `BYE idle timeout`, then the connection closes.
#[tokio::test]
async fn idle_timeout_says_bye() {
    let server = TestServer::start(false, |c| c.idle_timeout = Duration::from_millis(300)).await;
    let mut conn = server.hello("sleepy").await;
    conn.expect("BYE idle timeout").await;
    conn.expect_eof().await;
    // The name is free again.
    server.hello("sleepy").await;
}

/// CONN-5: requests complete before the client's EOF are answered; an unfinished line is
/// dropped without reply (CONN-4).
#[tokio::test]
async fn eof_after_requests_still_answers_them() {
    let server = TestServer::default().await;
    let mut conn = server.connect().await;
    conn.send(b"PING 1\nPING 2\nPING 3-unfinish").await;
    conn.stream.shutdown().await.unwrap();
    assert_eq!(conn.read_to_end().await, b"PONG 1\nPONG 2\n");
}
