//! The chat relay load: every client sends numbered, timestamped lines; every client reads the
//! others' lines and records their latency, from the write to the receipt.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reference::client::SERVER_LIMITS;
use reference::reader::{MessageReader, ReadError};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinHandle;
use wire::codec::MessageCodec;
use wire::{ClientMessage, Decoded, Decoder, Message, ServerMessage, Text};

use crate::options::Options;

/// How long the readers may go on after the paced lines are due.
const DRAIN: Duration = Duration::from_secs(10);
/// Time ncat takes to accept every client (it relays only to clients it has accepted).
const BROKER_SETTLE: Duration = Duration::from_millis(300);

/// What the clients talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// socket-lab/1: HELLO first; `MSG` gets `OK`; others get `FROM`.
    Reference,
    /// ncat --broker: every line sent is copied to every other client as is.
    Broker,
}

/// How the lines are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// `rate` lines a second per client.
    Paced,
    /// The same number of lines, back to back.
    Burst,
}

/// The figures of one phase.
#[derive(Debug)]
pub struct ChatResult {
    pub expected: u64,
    pub delivered: u64,
    pub per_sec: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    /// CPU time (user and system) the server under test used during the phase.
    pub server_cpu: Duration,
    /// CPU time the load tool itself used (its clients decode every line they receive).
    pub load_cpu: Duration,
}

impl ChatResult {
    /// The server's CPU time per delivered line, in microseconds.
    pub fn cpu_us_per_line(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.delivered.max(1) as f64
    }

    /// The load tool's CPU time per delivered line, in microseconds.
    pub fn load_us_per_line(&self) -> f64 {
        self.load_cpu.as_secs_f64() * 1e6 / self.delivered.max(1) as f64
    }
}

/// Runs one phase against `addr`, timing it on standard error.
pub async fn chat(o: &Options, addr: SocketAddr, target: Target, pace: Pace) -> ChatResult {
    let phase = Instant::now();
    let result = chat_run(o, addr, target, pace).await;
    eprintln!(
        "  ({target:?} {pace:?}: {:.1} s)",
        phase.elapsed().as_secs_f64()
    );
    result
}

/// A connected client, introduced if the target wants it.
struct Joined {
    rd: OwnedReadHalf,
    wr: OwnedWriteHalf,
    inbox: Inbox,
}

/// A client's reader: server messages from the reference, the echoed requests from ncat.
enum Inbox {
    Reference(MessageReader<MessageCodec<ServerMessage>>),
    Broker(MessageReader<MessageCodec<ClientMessage>>),
}

async fn join(addr: SocketAddr, target: Target, i: u64) -> Joined {
    let stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut rd, mut wr) = stream.into_split();
    let inbox = match target {
        Target::Reference => {
            wr.write_all(format!("HELLO c{i}\n").as_bytes())
                .await
                .expect("hello");
            let mut reader = reader::<ServerMessage>();
            match reader.next(&mut rd, None).await {
                Ok(Some(Decoded::Message(ServerMessage::Welcome(_)))) => {}
                other => panic!("HELLO c{i}: {other:?}"),
            }
            Inbox::Reference(reader)
        }
        Target::Broker => Inbox::Broker(reader::<ClientMessage>()),
    };
    Joined { rd, wr, inbox }
}

fn reader<M: Message>() -> MessageReader<MessageCodec<M>> {
    MessageReader::new(MessageCodec(Decoder::new(SERVER_LIMITS)))
}

async fn chat_run(o: &Options, addr: SocketAddr, target: Target, pace: Pace) -> ChatResult {
    let lines_each = o.lines_each();
    let expected_each = lines_each * (o.clients - 1);
    let base = Instant::now();
    let mut clients = Vec::new();
    for i in 0..o.clients {
        clients.push(join(addr, target, i).await);
    }
    if target == Target::Broker {
        tokio::time::sleep(BROKER_SETTLE).await;
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(o.secs) + DRAIN;
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for (i, client) in (0..).zip(clients) {
        let wanted = Wanted {
            lines: expected_each,
            oks: if target == Target::Reference {
                lines_each
            } else {
                0
            },
        };
        readers.push(tokio::spawn(receive(
            client.rd,
            client.inbox,
            base,
            wanted,
            deadline,
        )));
        let schedule = Schedule::new(o, pace, start, i);
        writers.push(tokio::spawn(send(client.wr, schedule, base, i, lines_each)));
    }
    let mut writers_back = Vec::new();
    for w in writers {
        writers_back.push(w.await.expect("writer"));
    }
    let received = collect(readers, start).await;
    drop(writers_back);
    received.result(expected_each * o.clients, start)
}

/// When client `i` sends its lines: spread over one period, so clients do not send in step.
struct Schedule {
    paced: bool,
    start: Instant,
    offset: Duration,
    period: Duration,
}

impl Schedule {
    fn new(o: &Options, pace: Pace, start: Instant, i: u64) -> Self {
        let period = Duration::from_secs_f64(1.0 / f64::from(o.rate.max(1)));
        Schedule {
            paced: pace == Pace::Paced,
            start,
            offset: period.mul_f64(i as f64 / o.clients as f64),
            period,
        }
    }

    async fn wait_for(&self, seq: u64) {
        if self.paced {
            let due = self.start + self.offset + self.period * seq as u32;
            tokio::time::sleep_until(due.into()).await;
        }
    }
}

/// Sends `lines` lines `MSG <client> <seq> <µs since base>`; returns the write half, kept open
/// until every reader is done.
async fn send(
    mut wr: OwnedWriteHalf,
    schedule: Schedule,
    base: Instant,
    i: u64,
    lines: u64,
) -> OwnedWriteHalf {
    for seq in 0..lines {
        schedule.wait_for(seq).await;
        let sent_us = base.elapsed().as_micros();
        let line = format!("MSG {i} {seq} {sent_us}\n");
        if wr.write_all(line.as_bytes()).await.is_err() {
            break;
        }
    }
    wr
}

/// What one reader waits for.
#[derive(Debug, Clone, Copy)]
struct Wanted {
    /// The others' lines.
    lines: u64,
    /// `OK`s for its own lines (reference only).
    oks: u64,
}

/// One client's receipts.
#[derive(Debug)]
struct Received {
    latencies_us: Vec<u32>,
    last: Instant,
}

/// Reads one client's stream until every line wanted arrived, or the deadline.
async fn receive(
    mut rd: OwnedReadHalf,
    mut inbox: Inbox,
    base: Instant,
    wanted: Wanted,
    deadline: Instant,
) -> Received {
    let mut got = Received {
        latencies_us: Vec::with_capacity(wanted.lines as usize),
        last: Instant::now(),
    };
    let mut oks = 0u64;
    while (got.latencies_us.len() as u64) < wanted.lines || oks < wanted.oks {
        let next = tokio::time::timeout_at(deadline.into(), inbox.next(&mut rd)).await;
        let Ok(Some(heard)) = next else { break };
        match heard {
            Heard::Line(text) => got.record(&text, base),
            Heard::Ok => oks += 1,
        }
    }
    got
}

/// What a client reads that counts.
enum Heard {
    /// A chat line from another client.
    Line(Text),
    /// The reference's `OK` to one of this client's lines.
    Ok,
}

impl Inbox {
    /// The next line that counts; `None` at the end of the stream. Panics on anything else
    /// from the reference.
    async fn next(&mut self, rd: &mut OwnedReadHalf) -> Option<Heard> {
        match self {
            Inbox::Reference(reader) => match expect_message(reader.next(rd, None).await)? {
                ServerMessage::From { text, .. } => Some(Heard::Line(text)),
                ServerMessage::Ok(_) => Some(Heard::Ok),
                other => panic!("unexpected {other:?}"),
            },
            Inbox::Broker(reader) => loop {
                match reader.next(rd, None).await {
                    // ncat copies to its clients whatever reaches it; on a shared machine lines
                    // that are not the load's were seen (ncat's version banner, another
                    // program's error output): they are skipped, not counted.
                    Ok(Some(Decoded::Malformed(_))) => {}
                    next => match expect_message(next)? {
                        ClientMessage::Msg(text) => return Some(Heard::Line(text)),
                        other => panic!("unexpected {other:?}"),
                    },
                }
            },
        }
    }
}

/// A message; `None` when the stream ended or failed; panics on bytes that do not decode.
fn expect_message<M: std::fmt::Debug>(next: Result<Option<Decoded<M>>, ReadError>) -> Option<M> {
    match next {
        Ok(Some(Decoded::Message(m))) => Some(m),
        Ok(Some(other)) => panic!("unexpected {other:?}"),
        Err(ReadError::Decode(e)) => panic!("{e}"),
        Ok(None) | Err(_) => None,
    }
}

impl Received {
    /// A line's latency, from the timestamp it carries.
    fn record(&mut self, text: &Text, base: Instant) {
        let now = Instant::now();
        let sent_us: u128 = text
            .as_str()
            .rsplit(' ')
            .next()
            .and_then(|t| t.parse().ok())
            .expect("timestamp");
        let latency = now.duration_since(base).as_micros().saturating_sub(sent_us);
        self.latencies_us
            .push(u32::try_from(latency).unwrap_or(u32::MAX));
        self.last = now;
    }

    /// Delivered lines a second, from `start` to the last receipt, and latency percentiles.
    fn result(mut self, expected: u64, start: Instant) -> ChatResult {
        self.latencies_us.sort_unstable();
        let latencies = &self.latencies_us;
        let pick = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0) as u64
        };
        let delivered = latencies.len() as u64;
        ChatResult {
            expected,
            delivered,
            per_sec: delivered as f64 / (self.last - start).as_secs_f64().max(1e-9),
            p50_us: pick(0.50),
            p99_us: pick(0.99),
            server_cpu: Duration::ZERO,
            load_cpu: Duration::ZERO,
        }
    }
}

/// Every reader's receipts, merged; the last receipt no earlier than `start`.
async fn collect(readers: Vec<JoinHandle<Received>>, start: Instant) -> Received {
    let mut all = Received {
        latencies_us: Vec::new(),
        last: start,
    };
    for r in readers {
        let got = r.await.expect("reader");
        all.latencies_us.extend(got.latencies_us);
        all.last = all.last.max(got.last);
    }
    all
}
