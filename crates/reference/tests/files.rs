//! GET and PUT over loopback: large transfers, interrupted uploads, path confinement.

mod common;

use std::time::Instant;

use common::{TestServer, random_bytes, within};
use reference::client::Client;
use tokio::io::AsyncWriteExt;
use wire::{Name, PathArg};

/// 64 MiB up with `PUT` and down with `GET`, byte-exact, through the typed client; the stored
/// file is the same bytes (PUT-1, GET-1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_mib_up_and_down_byte_exact() {
    const SIZE: usize = 64 * 1024 * 1024;
    let server = TestServer::default().await;
    let data = random_bytes(SIZE, 64);
    let mut client = Client::connect(server.addr).await.unwrap();
    client.hello(&Name::new("big").unwrap()).await.unwrap();
    let path = PathArg::new("deep/er/big.bin").unwrap();

    let started = Instant::now();
    let mut last = 0;
    let ok = within(client.put(&path, SIZE as u64, &mut &data[..], &mut |n| last = n))
        .await
        .unwrap();
    assert_eq!(ok.unwrap().as_str(), "stored deep/er/big.bin");
    assert_eq!(last, SIZE as u64);
    let up = started.elapsed();

    let started = Instant::now();
    let mut back = Vec::with_capacity(SIZE);
    let size = within(client.get(&path, &mut back, &mut |_| {}))
        .await
        .unwrap();
    let down = started.elapsed();
    assert_eq!(size, SIZE as u64);
    assert!(back == data, "download differs from upload");
    let stored = std::fs::read(server.dir().join("deep/er/big.bin")).unwrap();
    assert!(stored == data, "stored file differs from upload");
    assert_eq!(
        server.files(),
        ["deep/er/big.bin"],
        "no temporary file left"
    );
    eprintln!("64 MiB: up {up:?}, down {down:?}");
}

/// PUT-3, CONN-4: a client that disconnects mid-upload leaves no file under the target name and
/// no temporary file; an existing file keeps its old content.
#[tokio::test]
async fn disconnect_mid_put_leaves_nothing_behind() {
    let server = TestServer::default().await;
    std::fs::write(server.dir().join("kept.txt"), "old content").unwrap();

    // A half-close (EOF) mid-payload: the server closes in turn, having cleaned up.
    let mut conn = server.hello("quitter").await;
    conn.send(b"PUT new.bin 1000000\n").await;
    conn.send(&random_bytes(500_000, 1)).await;
    conn.stream.shutdown().await.unwrap();
    assert_eq!(
        conn.read_to_end().await,
        b"",
        "no reply to an unfinished PUT"
    );
    assert_eq!(server.files(), ["kept.txt"]);

    // Same over an existing file.
    let mut conn = server.hello("quitter").await;
    conn.send(b"PUT kept.txt 1000\nnew").await;
    conn.stream.shutdown().await.unwrap();
    assert_eq!(conn.read_to_end().await, b"");
    assert_eq!(server.files(), ["kept.txt"]);
    assert_eq!(
        std::fs::read(server.dir().join("kept.txt")).unwrap(),
        b"old content"
    );

    // An abrupt close (the socket dropped): the target name never appears.
    let mut conn = server.hello("dropper").await;
    conn.send(b"PUT dropped.bin 100\nabc").await;
    drop(conn);
    let mut check = server.hello("checker").await;
    check.send_line("GET dropped.bin").await;
    check.expect_err(404).await;
}

/// PUT-3: while an upload replaces a file, readers get the old content whole; after its OK, the
/// new content whole.
#[tokio::test]
async fn reader_never_sees_half_a_file() {
    let server = TestServer::default().await;
    std::fs::write(server.dir().join("doc.txt"), "old").unwrap();
    let mut writer = server.hello("writer").await;
    let mut reader = server.hello("reader").await;

    writer.send(b"PUT doc.txt 10\n01234").await;
    reader.send_line("GET doc.txt").await;
    assert_eq!(reader.recv().await.payload().unwrap().as_ref(), b"old");
    writer.send(b"56789").await;
    writer.expect("OK stored doc.txt").await;
    reader.send_line("GET doc.txt").await;
    assert_eq!(
        reader.recv().await.payload().unwrap().as_ref(),
        b"0123456789"
    );
    assert_eq!(server.files(), ["doc.txt"]);
}

/// Every path-escape form of spec §8 is refused with ERR 403, for GET and PUT alike, without
/// touching anything outside the root; a PUT's payload is consumed all the same (PUT-4).
/// NUL and other control octets are not paths at all: ERR 400.
#[tokio::test]
async fn every_path_escape_form_is_refused() {
    let server = TestServer::default().await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(outside.path(), server.dir().join("link")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        server.dir().join("ln.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/nonexistent/x", server.dir().join("dangling")).unwrap();
    let mut c = server.hello("mallory").await;

    let refused = [
        "../etc/passwd",
        "a/../../etc/passwd",
        "..",
        "/etc/passwd",
        "a\\b",
        "..\\..\\windows\\win.ini",
        "C:x",
        "C:\\windows",
        "C://batches//one.jpg",
        "file.txt:secret",
        "a//b",
        "a/",
        "./a",
        "a/./b",
        &"a".repeat(256),
        "link/secret.txt",
        "link/new.txt",
        "link/sub/new.txt",
        "link",
        "ln.txt",
        "dangling",
        ".upload-1234.part",
        "sub/.upload-x",
    ];
    for path in refused {
        c.send_line(&format!("GET {path}")).await;
        let text = c.expect_err(403).await;
        assert!(text.starts_with("path not allowed"), "{path}: {text}");
        c.send(format!("PUT {path} 6\nSECRET").as_bytes()).await;
        c.expect_err(403).await;
    }
    // PUT-4: every payload was consumed: the connection is still in step.
    c.barrier("in-step").await;
    for bad in [&b"GET a\x00b\n"[..], b"GET a\tb\n", b"PUT a\x00b 1\n"] {
        c.send(bad).await;
        c.expect_err(400).await;
    }
    c.barrier("still").await;
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        1,
        "nothing created outside the root"
    );
    assert_eq!(
        std::fs::read(outside.path().join("secret.txt")).unwrap(),
        b"secret"
    );
    let mut inside = server.files();
    inside.retain(|f| !["link", "ln.txt", "dangling"].contains(&f.as_str()));
    assert!(inside.is_empty(), "nothing created: {inside:?}");
}

/// Paths that look odd but are allowed (spec §8.2), and symbolic links that stay inside.
#[tokio::test]
async fn unusual_but_allowed_paths() {
    let server = TestServer::default().await;
    std::fs::create_dir(server.dir().join("real")).unwrap();
    std::fs::write(server.dir().join("real/in.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(server.dir().join("real"), server.dir().join("alias")).unwrap();
    let mut c = server.hello("alice").await;
    for path in [".hidden", "a/..b", "données/résumé.txt", "x..", "-"] {
        c.send(format!("PUT {path} 2\nok").as_bytes()).await;
        c.expect(&format!("OK stored {path}")).await;
        c.send_line(&format!("GET {path}")).await;
        assert_eq!(c.recv().await.payload().unwrap().as_ref(), b"ok");
    }
    c.send_line("GET alias/in.txt").await;
    assert_eq!(c.recv().await.payload().unwrap().as_ref(), b"inside");
    c.send(b"PUT alias/new.txt 3\nnew").await;
    c.expect("OK stored alias/new.txt").await;
    assert_eq!(
        std::fs::read(server.dir().join("real/new.txt")).unwrap(),
        b"new"
    );
    // PATH-7: a PUT to a link to a file replaces the file it points to; the link stays.
    std::os::unix::fs::symlink("in.txt", server.dir().join("real/link.txt")).unwrap();
    c.send(b"PUT real/link.txt 7\nchanged").await;
    c.expect("OK stored real/link.txt").await;
    assert_eq!(
        std::fs::read(server.dir().join("real/in.txt")).unwrap(),
        b"changed"
    );
    assert!(
        std::fs::symlink_metadata(server.dir().join("real/link.txt"))
            .unwrap()
            .is_symlink()
    );
    c.send_line("GET alias/link.txt").await;
    assert_eq!(c.recv().await.payload().unwrap().as_ref(), b"changed");
    // PUT-9: the temporary file sat beside its target and is gone.
    assert_eq!(
        server.files(),
        [
            "-",
            ".hidden",
            "a/..b",
            "alias",
            "données/résumé.txt",
            "real/in.txt",
            "real/link.txt",
            "real/new.txt",
            "x..",
        ]
    );
}

/// PUT-5, PUT-6, PUT-7, PATH-6, GET-2, GET-3: folders are created, files replaced, empty files
/// stored; folders are neither downloadable (404) nor overwritable (403).
#[tokio::test]
async fn folders_replacement_and_empty_files() {
    let server = TestServer::default().await;
    let mut c = server.hello("alice").await;
    c.send(b"PUT notes/a.txt 5\nhello").await;
    c.expect("OK stored notes/a.txt").await;
    c.send_line("GET notes/a.txt").await;
    assert_eq!(c.recv().await.payload().unwrap().as_ref(), b"hello");
    c.send_line("PUT notes/a.txt 0").await;
    c.expect("OK stored notes/a.txt").await;
    c.send_line("GET notes/a.txt").await;
    c.expect("FILE 0").await;
    c.send_line("GET notes").await;
    c.expect_err(404).await;
    c.send(b"PUT notes 2\nno").await;
    c.expect_err(403).await;
    c.send(b"PUT notes/a.txt/b 2\nno").await;
    c.expect_err(403).await;
    c.send_line("GET notes/missing").await;
    c.expect_err(404).await;
    c.send_line("GET notes/a.txt/b").await;
    c.expect_err(404).await;
    // A pipelined upload then download sees the upload (ORDER-3).
    c.send(b"PUT p.txt 5\nhelloGET p.txt\n").await;
    c.expect("OK stored p.txt").await;
    assert_eq!(c.recv().await.payload().unwrap().as_ref(), b"hello");
    assert_eq!(server.files(), ["notes/a.txt", "p.txt"]);
}
