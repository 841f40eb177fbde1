//! The `reference` binary: subcommands against a live server, and their exit codes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use common::{TestServer, within};

/// The first line a child prints, read off the async runtime under the test deadline.
async fn first_line(stdout: std::process::ChildStdout) -> String {
    within(tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("child stdout readable");
        line
    }))
    .await
    .expect("reader thread finished")
}

fn reference(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reference"));
    command.args(args).stdin(Stdio::null());
    command
}

/// Runs the binary off the async threads, so the in-process server keeps serving.
async fn run(mut command: Command) -> Output {
    within(tokio::task::spawn_blocking(move || {
        command.output().expect("the binary runs")
    }))
    .await
    .expect("the blocking task ends")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_subcommands_and_exit_codes() {
    let server = TestServer::default().await;
    let addr = server.addr.to_string();
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("local.bin");
    std::fs::write(&local, common::random_bytes(300_000, 7)).unwrap();
    let out = work.path().join("out.bin");
    let (local_s, out_s) = (local.to_str().unwrap(), out.to_str().unwrap());

    let ping = run(reference(&["ping", "--server", &addr, "--token", "t1"])).await;
    assert_eq!(code(&ping), 0, "{}", stderr(&ping));
    assert!(String::from_utf8_lossy(&ping.stdout).starts_with("PONG t1 from "));

    let hello = run(reference(&["hello", "--server", &addr, "--name", "carl"])).await;
    assert_eq!(code(&hello), 0, "{}", stderr(&hello));
    assert_eq!(hello.stdout, b"hello carl\n");

    let put = run(reference(&[
        "put", local_s, "--as", "in/x.bin", "-s", &addr,
    ]))
    .await;
    assert_eq!(code(&put), 0, "{}", stderr(&put));
    assert_eq!(put.stdout, b"OK stored in/x.bin\n");

    let get = run(reference(&["get", "in/x.bin", "-o", out_s, "-s", &addr])).await;
    assert_eq!(code(&get), 0, "{}", stderr(&get));
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&local).unwrap());

    let stdout = run(reference(&["get", "in/x.bin", "-o", "-", "-s", &addr])).await;
    assert_eq!(code(&stdout), 0);
    assert!(stdout.stdout == std::fs::read(&local).unwrap());

    // 1: the server replied ERR; nothing is left where the download would have gone.
    let missing = work.path().join("missing.txt");
    let get = run(reference(&[
        "get",
        "nope.txt",
        "-o",
        missing.to_str().unwrap(),
        "-s",
        &addr,
    ]))
    .await;
    assert_eq!(code(&get), 1);
    assert!(stderr(&get).contains("ERR 404"), "{}", stderr(&get));
    assert_eq!(
        std::fs::read_dir(work.path()).unwrap().count(),
        2,
        "no partial download"
    );
    let escape = run(reference(&["put", local_s, "--as", "../x", "-s", &addr])).await;
    assert_eq!(code(&escape), 1);
    assert!(stderr(&escape).contains("ERR 403"), "{}", stderr(&escape));

    // 2: usage.
    assert_eq!(code(&run(reference(&["get"])).await), 2);
    assert_eq!(
        code(&run(reference(&["hello", "--name", "bad name"])).await),
        2
    );

    // 3: nothing listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let refused = run(reference(&["ping", "-s", &closed.to_string()])).await;
    assert_eq!(code(&refused), 3);
    assert!(
        stderr(&refused).contains("cannot connect"),
        "{}",
        stderr(&refused)
    );

    // 4: local file problems.
    let no_file = run(reference(&["put", "/nonexistent/file", "-s", &addr])).await;
    assert_eq!(code(&no_file), 4, "{}", stderr(&no_file));
    let no_dir = run(reference(&[
        "get",
        "in/x.bin",
        "-o",
        "/nonexistent/dir/out",
        "-s",
        &addr,
    ]))
    .await;
    assert_eq!(code(&no_dir), 4, "{}", stderr(&no_dir));

    // The help documents the exit codes.
    let help = run(reference(&["--help"])).await;
    assert_eq!(code(&help), 0);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit codes:"));
}

/// `reference chat`: stdin lines go out as MSG, FROM lines come out on stdout, end of input is BYE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_relays_stdin_and_prints_from_lines() {
    let server = TestServer::start(true, |_| {}).await;
    for udp in [false, true] {
        let mut alice = server.hello("alice").await;
        let mut command = reference(&["chat", "--name", "bob", "-s", &server.addr.to_string()]);
        if udp {
            command.arg("--udp");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        use std::io::Write;
        writeln!(stdin, "hello from bob").unwrap();
        if !udp {
            // TCP: alice sees bob's line, answers, and bob prints her answer.
            alice.expect("FROM bob hello from bob").await;
            alice.send_line("MSG hi bob").await;
            alice.expect("OK").await;
            let line = first_line(child.stdout.take().unwrap()).await;
            assert_eq!(line, "alice: hi bob\n");
        }
        drop(stdin);
        let output = within(tokio::task::spawn_blocking(move || {
            child.wait_with_output().unwrap()
        }))
        .await
        .unwrap();
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        alice.send_line("BYE").await;
        alice.expect("BYE goodbye").await;
    }
}

/// `reference serve`: prints its address, serves, and exits 0 on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_its_address_and_stops_on_sigterm() {
    let root = tempfile::tempdir().unwrap();
    let mut child = reference(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--root",
        root.path().to_str().unwrap(),
        "--udp",
        "--log",
        "warn",
    ])
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let first = first_line(child.stdout.take().unwrap()).await;
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .expect(&first)
        .to_owned();
    let mut conn = common::Conn::connect(addr.parse().unwrap()).await;
    conn.send_line("PING up").await;
    conn.expect("PONG up").await;
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    conn.expect("BYE server shutting down").await;
    drop(conn);
    let status = within(tokio::task::spawn_blocking(move || child.wait().unwrap()))
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));

    let bad_root = run(reference(&["serve", "--root", "/nonexistent/root"])).await;
    assert_eq!(code(&bad_root), 4);
}
