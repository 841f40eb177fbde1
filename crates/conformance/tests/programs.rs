//! The program supervisor against small Python programs (`fixtures/programs/`), each doing one
//! thing right or wrong: readiness without a connection, crashes, floods, forks, limits.
//! Every wait has a deadline; nothing sleeps to synchronise.

mod program_support;

use std::fs;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use conformance::program::{
    Exit, LimitHit, NotReady, Running, Spec, Transport, Workdir, free_port,
};
use program_support::{alive, anon_rss, find, in_group, leftovers, line, spec, start, within};
use tokio::time::Instant;

#[tokio::test]
async fn a_correct_server_is_ready_without_being_connected_to() {
    let port = free_port(false).expect("port");
    let spec = spec("python3 listen_tcp.py {port}");
    let (_dir, mut running) = start(&spec, port).await;
    let addr = running.wait_ready(port, Transport::Tcp, within(10.0)).await;
    assert_eq!(addr, Ok(([127, 0, 0, 1], port).into()));
    assert!(running.is_listening(port, Transport::Tcp));
    assert!(!running.is_listening(port, Transport::Udp));
    line(&running, 0, "LISTENING").await;
    let pid = running.pid();
    let finished = running.stop(Duration::from_secs(2)).await;
    assert_eq!(
        finished.exit.code,
        Some(0),
        "{} {:?}",
        finished.exit,
        finished.stderr
    );
    assert_eq!(
        finished.exit.to_string(),
        "exited with status 0 when the harness stopped it"
    );
    assert!(!String::from_utf8_lossy(&finished.stdout.head).contains("ACCEPTED"));
    assert!(!alive(pid) && leftovers(&spec).is_empty());
}

#[tokio::test]
async fn a_wildcard_ipv6_server_is_reached_where_it_listens() {
    for (mode, expected) in [("dual", "127.0.0.1"), ("v6only", "::1")] {
        let port = free_port(false).expect("port");
        let (_dir, mut running) = start(
            &spec(&format!("python3 listen_tcp.py {{port}} {mode}")),
            port,
        )
        .await;
        let addr = running
            .wait_ready(port, Transport::Tcp, within(10.0))
            .await
            .expect("ready");
        assert_eq!(addr.ip().to_string(), expected, "{mode}");
    }
}

#[tokio::test]
async fn a_crash_at_start_is_an_exit_with_its_traceback() {
    let port = free_port(false).expect("port");
    let (_dir, mut running) = start(&spec("python3 crash_at_start.py {port}"), port).await;
    let not_ready = running.wait_ready(port, Transport::Tcp, within(10.0)).await;
    let Err(NotReady::Exited(exit)) = not_ready else {
        panic!("expected an exit, got {not_ready:?}");
    };
    assert_eq!(exit.to_string(), "exited with status 1");
    let end = running.stderr().captured().last(200);
    let last_line = format!("RuntimeError: cannot configure the server for port {port}\n");
    assert!(end.ends_with(last_line.as_bytes()), "{end:?}");
}

#[tokio::test]
async fn a_program_that_never_listens_times_out_and_drop_kills_it() {
    let port = free_port(false).expect("port");
    let (_dir, mut running) = start(&spec("python3 never_listens.py"), port).await;
    let not_ready = running.wait_ready(port, Transport::Tcp, within(0.5)).await;
    assert_eq!(not_ready, Err(NotReady::Timeout));
    // It never reads stdin: a write that fills the pipe gives up at its deadline.
    let big = vec![b'x'; 1 << 20];
    let written = running.write_stdin(&big, within(0.2)).await;
    assert_eq!(
        written.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::TimedOut)
    );
    let pid = running.pid();
    drop(running);
    assert!(!alive(pid));
}

#[tokio::test]
async fn a_hard_coded_port_is_named() {
    let (port, other) = (
        free_port(false).expect("port"),
        free_port(false).expect("port"),
    );
    let mut spec = spec("python3 hardcoded_port.py");
    spec.env.push(("HARDCODED_PORT".into(), other.to_string()));
    let (_dir, mut running) = start(&spec, port).await;
    line(&running, 0, "LISTENING").await;
    let not_ready = running.wait_ready(port, Transport::Tcp, within(0.3)).await;
    let elsewhere = vec![(Transport::Tcp, ([127, 0, 0, 1], other).into())];
    assert_eq!(not_ready, Err(NotReady::ListensElsewhere(elsewhere)));
    let words = not_ready.expect_err("not ready").to_string();
    assert_eq!(
        words,
        format!("the program listens on TCP 127.0.0.1:{other} instead")
    );
}

/// Starts `fork_and_hide.py` and returns its three pids once the grandchild, in its own
/// session, has been re-parented to the harness (the subreaper).
async fn hidden_family(spec: &Spec, port: u16) -> (Workdir, Running, Vec<u32>) {
    let (dir, running) = start(spec, port).await;
    line(&running, 0, "READY\n").await;
    let pids: Vec<u32> = fs::read_to_string(dir.path().join("pids.txt"))
        .expect("pids.txt")
        .split_whitespace()
        .map(|p| p.parse().expect("pid"))
        .collect();
    assert_eq!(pids.len(), 3);
    let deadline = within(5.0);
    let parent_of = |pid: u32| fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let adopted = format!(") S {} ", std::process::id());
    while !parent_of(pids[2]).contains(&adopted) {
        assert!(
            Instant::now() < deadline,
            "the grandchild was not adopted by the harness"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (dir, running, pids)
}

#[tokio::test]
async fn stop_leaves_no_child_that_ignored_sigterm_nor_one_that_called_setsid() {
    let port = free_port(false).expect("port");
    let spec = spec("python3 fork_and_hide.py {port}");
    let (_dir, running, pids) = hidden_family(&spec, port).await;
    let finished = running.stop(Duration::from_millis(300)).await;
    assert_eq!(
        finished.exit.to_string(),
        "killed by SIGTERM when the harness stopped it"
    );
    let left: Vec<u32> = pids.into_iter().filter(|&p| alive(p)).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(leftovers(&spec).is_empty());
}

#[tokio::test]
async fn drop_leaves_nothing_either() {
    let port = free_port(false).expect("port");
    let spec = spec("python3 fork_and_hide.py {port} dropped");
    let (_dir, running, pids) = hidden_family(&spec, port).await;
    drop(running);
    let left: Vec<u32> = pids.into_iter().filter(|&p| alive(p)).collect();
    assert!(
        left.is_empty() && leftovers(&spec).is_empty(),
        "left behind: {left:?}"
    );
}

#[tokio::test]
async fn a_flood_of_one_gib_is_drained_counted_and_cut() {
    let mut spec = spec("python3 flood.py");
    spec.limits.output_bytes = 64 << 10;
    let started = std::time::Instant::now();
    let (_dir, mut running) = start(&spec, 1).await;
    let peak = std::sync::Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn({
        let peak = std::sync::Arc::clone(&peak);
        async move {
            loop {
                peak.fetch_max(anon_rss(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    // Not blocked by a full pipe: it writes everything and exits on its own.
    let exit = running
        .wait_exit(within(25.0))
        .await
        .expect("the flood ends");
    let elapsed = started.elapsed();
    assert!(exit.success(), "{exit}");
    let out = running.stdout().captured();
    assert_eq!(out.total, 1 << 30);
    assert!(out.is_cut() && out.head.len() + out.tail.len() <= 64 << 10);
    assert!(out.head.iter().chain(&out.tail).all(|&b| b == b'x'));
    assert!(running.stderr().captured().last(5).ends_with(b"done\n"));
    sampler.abort();
    let peak = peak.load(Ordering::Relaxed).max(anon_rss());
    eprintln!(
        "1 GiB drained in {elapsed:?}; harness anonymous RSS at most {} KiB",
        peak >> 10
    );
    assert!(peak < 32 << 20, "harness anonymous RSS {peak} bytes");
}

#[tokio::test]
async fn stdin_lines_are_echoed_on_stdout() {
    let (_dir, mut running) = start(&spec("python3 echo_lines.py"), 1).await;
    running
        .write_stdin(b"hello\n", within(5.0))
        .await
        .expect("write");
    let at = line(&running, 0, "echo: hello\n").await;
    running
        .write_stdin(b"world\n", within(5.0))
        .await
        .expect("write");
    let (end, text) = running
        .stdout()
        .wait_for(at, |b| find(b, b"world\n"), within(10.0))
        .await
        .expect("second echo");
    assert_eq!((end, &text[..]), (at + 12, &b"echo: world\n"[..]));
    running.close_stdin();
    line(&running, end, "bye\n").await;
    let exit = running.wait_exit(within(10.0)).await.expect("exits at EOF");
    assert!(exit.success());
    let gone = running
        .stdout()
        .wait_for(end, |b| find(b, b"never"), within(10.0))
        .await;
    assert_eq!(
        gone,
        Err(bytes::Bytes::from_static(b"bye\n")),
        "closed: no wait for the deadline"
    );
}

#[tokio::test]
async fn an_exit_status_is_reported() {
    let (_dir, mut running) = start(&spec("python3 exit_code.py"), 1).await;
    let exit = running.wait_exit(within(10.0)).await.expect("exits");
    assert_eq!((exit.code, exit.limit), (Some(3), None));
    assert_eq!(exit.to_string(), "exited with status 3");
}

async fn limited(command: &str, set: impl FnOnce(&mut conformance::program::Limits)) -> Exit {
    let mut spec = spec(command);
    set(&mut spec.limits);
    let (_dir, mut running) = start(&spec, 1).await;
    let exit = running.wait_exit(within(15.0)).await.expect("ends");
    let pid = running.pid();
    let finished = running.stop(Duration::from_millis(100)).await;
    assert_eq!(finished.exit, exit);
    assert!(
        !alive(pid) && leftovers(&spec).is_empty(),
        "{command} left processes"
    );
    assert_eq!(in_group(pid), Vec::<u32>::new(), "{command} left zombies");
    exit
}

#[tokio::test]
async fn a_busy_loop_hits_the_cpu_limit() {
    let exit = limited("python3 busy_loop.py", |l| l.cpu_seconds = 1).await;
    assert_eq!(
        (exit.limit, exit.limit_certain),
        (Some(LimitHit::Cpu(1)), true)
    );
    assert_eq!(
        exit.to_string(),
        "killed by SIGXCPU: the CPU time limit (1 s)"
    );
}

#[tokio::test]
async fn a_fork_bomb_hits_the_process_limit_and_leaves_nothing() {
    let exit = limited("python3 fork_bomb.py", |l| l.processes = 20).await;
    assert_eq!(
        (exit.limit, exit.limit_certain),
        (Some(LimitHit::Processes(20)), true)
    );
    assert_eq!(
        exit.to_string(),
        "killed by SIGKILL: the process limit (20)"
    );
}

#[tokio::test]
async fn a_big_file_hits_the_file_size_limit() {
    let exit = limited("python3 big_file.py", |l| l.file_size_bytes = 1 << 20).await;
    assert_eq!(exit.limit, Some(LimitHit::FileSize(1 << 20)));
    assert_eq!(
        exit.to_string(),
        "exited with status 1: possibly the file size limit (1 MiB)"
    );
}

#[tokio::test]
async fn a_memory_hog_hits_the_memory_limit() {
    let exit = limited("python3 memory_hog.py", |l| l.memory_bytes = 256 << 20).await;
    assert_eq!(
        exit.to_string(),
        "exited with status 1: possibly the memory limit (256 MiB)"
    );
}

#[tokio::test]
async fn a_program_that_runs_too_long_hits_the_wall_clock() {
    let wall = Duration::from_millis(300);
    let exit = limited("python3 never_listens.py", |l| l.wall_clock = wall).await;
    assert_eq!(
        (exit.limit, exit.limit_certain),
        (Some(LimitHit::WallClock(wall)), true)
    );
    assert_eq!(
        exit.to_string(),
        "killed by SIGKILL: the time limit (300ms)"
    );
}

#[tokio::test]
async fn a_bound_udp_socket_is_ready() {
    let port = free_port(true).expect("port");
    let (_dir, mut running) = start(&spec("python3 listen_udp.py"), port).await;
    let addr = running.wait_ready(port, Transport::Udp, within(10.0)).await;
    assert_eq!(addr, Ok(format!("[::1]:{port}").parse().expect("addr")));
    assert!(running.is_listening(port, Transport::Udp));
    assert!(!running.is_listening(port, Transport::Tcp));
    let finished = running.stop(Duration::from_secs(2)).await;
    assert_eq!(
        finished.exit.to_string(),
        "killed by SIGTERM when the harness stopped it"
    );
}
