//! The TCP chat room with several real clients on loopback.

mod common;

use std::collections::HashMap;

use common::{TestServer, within};
use tokio::io::AsyncReadExt;
use wire::ServerMessage;

/// Spec §12.2 as a test: FROM to every other introduced client and never to the author or to an
/// unintroduced connection (CHAT-1, CHAT-2, CHAT-4), text kept verbatim (CHAT-5), and the PING
/// barrier (CHAT-3): once the author has its OK, a PING on a listener returns after the FROM.
#[tokio::test]
async fn ping_barrier_transcript() {
    let server = TestServer::default().await;
    let mut a = server.hello("alice").await;
    let mut b = server.hello("bob").await;
    let mut c = server.hello("carol").await;
    let mut d = server.connect().await;

    a.send_line("MSG hi all").await;
    a.expect("OK").await;
    let seen = b.barrier("sync-1").await;
    assert_eq!(lines(&seen), ["FROM alice hi all"]);
    let seen = c.barrier("sync-2").await;
    assert_eq!(lines(&seen), ["FROM alice hi all"]);
    assert!(d.barrier("d-1").await.is_empty(), "d is not introduced");

    c.send_line("MSG spaced  out ").await;
    c.expect("OK").await;
    assert_eq!(lines(&a.barrier("a").await), ["FROM carol spaced  out "]);
    assert_eq!(lines(&b.barrier("b").await), ["FROM carol spaced  out "]);

    b.send_line("BYE").await;
    b.expect("BYE goodbye").await;
    b.expect_eof().await;
    a.send_line("MSG still there?").await;
    a.expect("OK").await;
    assert_eq!(lines(&c.barrier("c").await), ["FROM alice still there?"]);
    assert!(a.barrier("a2").await.is_empty(), "no echo to the author");
}

/// Five clients each pipeline 100 chat lines at the same time: each receives exactly the 400
/// lines of the four others, every author's lines in the order sent, and its own 100 OKs; a
/// connected but unintroduced client receives none.
#[tokio::test]
async fn several_clients_relay_at_once() {
    const CLIENTS: usize = 5;
    const LINES: usize = 100;
    let server = TestServer::default().await;
    let mut conns = Vec::new();
    for i in 0..CLIENTS {
        conns.push(server.hello(&format!("c{i}")).await);
    }
    let mut lurker = server.connect().await;
    let mut tasks = Vec::new();
    for (i, mut conn) in conns.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let batch: String = (0..LINES)
                .map(|n| format!("MSG line {n} from c{i}\n"))
                .collect();
            conn.send(batch.as_bytes()).await;
            let mut oks = 0;
            let mut next_from: HashMap<String, usize> = HashMap::new();
            let mut froms = 0;
            while oks < LINES || froms < (CLIENTS - 1) * LINES {
                match conn.recv().await {
                    ServerMessage::Ok(None) => oks += 1,
                    ServerMessage::From { name, text } => {
                        assert_ne!(name.as_str(), format!("c{i}"), "echo to the author");
                        let n = next_from.entry(name.to_string()).or_default();
                        assert_eq!(text.as_str(), format!("line {n} from {name}"), "order");
                        *n += 1;
                        froms += 1;
                    }
                    other => panic!("unexpected `{other}`"),
                }
            }
            assert!(conn.barrier("end").await.is_empty(), "nothing extra");
        }));
    }
    for task in tasks {
        within(task).await.unwrap();
    }
    assert!(lurker.barrier("lurk").await.is_empty());
}

/// CONN-6, CONN-7: a client that never reads is disconnected once its bounded queue overflows,
/// while the author keeps getting its OKs and another listener receives every line.
#[tokio::test]
async fn slow_reader_is_cut_off_while_others_keep_receiving() {
    // Room for 16 of the 4013-octet `FROM` lines below.
    let server = TestServer::start(false, |c| c.queue_bytes = 16 * 4013).await;
    let mut author = server.hello("author").await;
    let mut reader = server.hello("reader").await;
    let mut slow = server.hello("slow").await;

    let line = format!("MSG {}", "x".repeat(4000));
    let batch: String = (0..10).map(|_| format!("{line}\n")).collect();
    let mut rounds = 0;
    let cut = loop {
        // At most 40 MB: far beyond what socket buffers and a 64 KB queue hold.
        assert!(rounds < 1000, "the slow reader was never cut off");
        rounds += 1;
        author.send(batch.as_bytes()).await;
        for _ in 0..10 {
            author.expect("OK").await;
        }
        // The reader reads: it gets every line of the round, however the slow one fares.
        assert_eq!(reader.barrier("r").await.len(), 10);
        // Once the slow reader is cut, its name is free (CONN-3).
        let mut probe = server.connect().await;
        probe.send_line("HELLO slow").await;
        if probe.recv().await.to_string() == "WELCOME hello slow" {
            break probe;
        }
    };

    // The room goes on without it: the new `slow` and the reader both receive.
    author.send_line("MSG after the cut").await;
    author.expect("OK").await;
    assert_eq!(
        lines(&reader.barrier("r").await),
        ["FROM author after the cut"]
    );
    let mut cut = cut;
    assert_eq!(
        lines(&cut.barrier("c").await),
        ["FROM author after the cut"]
    );
    // The slow client's socket ends (EOF or reset) instead of hanging.
    let mut sink = Vec::new();
    let _ = within(slow.stream.read_to_end(&mut sink)).await;
    assert!(
        sink.len() < rounds * 10 * 4010,
        "it cannot have received everything"
    );
}

fn lines(messages: &[ServerMessage]) -> Vec<String> {
    messages.iter().map(ToString::to_string).collect()
}
