//! Graceful shutdown: idle connections are told BYE, transfers in flight finish, and what does
//! not finish within the grace period is cut without leaving partial files.

mod common;

use std::time::Duration;

use common::{TestServer, within};

/// Waits, under the test deadline, until the upload's temporary file exists in `root`: the
/// server has then started storing it. No PING can say so, since the connection is inside a
/// payload.
async fn upload_under_way(root: &std::path::Path) {
    within(async {
        while std::fs::read_dir(root)
            .expect("server root readable")
            .next()
            .is_none()
        {
            tokio::task::yield_now().await;
        }
    })
    .await;
}
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn shutdown_lets_an_upload_finish_and_says_bye() {
    let mut server = TestServer::default().await;
    let mut idle = server.hello("idle").await;
    let mut uploader = server.hello("uploader").await;
    uploader.send(b"PUT up.txt 10\n01234").await;
    // The upload is under way once the server has read its first half; a PING on another
    // connection cannot tell, so wait until the temporary file exists.
    upload_under_way(server.dir()).await;

    let stopping = server.stop_in_background();
    idle.expect("BYE server shutting down").await;
    idle.expect_eof().await;
    // Closing our side ends the server's brief wait for unread input.
    drop(idle);
    uploader.send(b"56789").await;
    uploader.expect("OK stored up.txt").await;
    uploader.expect("BYE server shutting down").await;
    uploader.expect_eof().await;
    drop(uploader);
    within(stopping).await.unwrap().unwrap();
    assert_eq!(
        std::fs::read(server.dir().join("up.txt")).unwrap(),
        b"0123456789"
    );
    assert!(
        tokio::net::TcpStream::connect(server.addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn grace_period_cuts_stalled_uploads_and_removes_them() {
    let mut server =
        TestServer::start(false, |c| c.grace_period = Duration::from_millis(200)).await;
    let mut uploader = server.hello("staller").await;
    uploader.send(b"PUT stalled.bin 1000\nabc").await;
    upload_under_way(server.dir()).await;
    within(server.stop_in_background()).await.unwrap().unwrap();
    assert_eq!(
        server.files(),
        Vec::<String>::new(),
        "partial upload removed"
    );
    let _ = uploader.stream.shutdown().await;
}
