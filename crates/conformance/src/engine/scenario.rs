//! Running one scenario: its steps in order, each under a deadline, until one fails.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::time::Instant;
use wire::{ClientMessage, Encode, PathArg};

use super::conn::{Conn, Event, RawRead, Transcript};
use super::expect::{self, describe, describe_event, payload_bytes};
use super::vars::Vars;
use crate::report::{Direction, Failure, hexdump};
use crate::scenario::{
    Action, Expectation, RawMatcher, Scenario, SendData, Split, Step, Suite, Transport,
};

/// How a step went wrong: what it needed, and what happened.
struct StepFailure {
    expected: String,
    got: String,
    bytes: Option<Bytes>,
}

impl StepFailure {
    fn new(expected: impl Into<String>, got: impl Into<String>) -> Self {
        StepFailure {
            expected: expected.into(),
            got: got.into(),
            bytes: None,
        }
    }
}

/// The state of one scenario run.
struct Run<'a> {
    scenario: &'a Scenario,
    suite: &'a Suite,
    target: SocketAddr,
    scale: f64,
    vars: Vars,
    conns: HashMap<String, Conn>,
    transcript: Transcript,
}

/// Runs `scenario` against `target`: `Ok` if every step passed, else the failure.
pub async fn run_scenario(
    scenario: &Scenario,
    suite: &Suite,
    target: SocketAddr,
    seed: u64,
    scale: f64,
) -> Result<(), Failure> {
    let mut vars = Vars::new(seed, &scenario.id);
    for (name, kind) in &scenario.vars {
        vars.generate(name, kind);
    }
    let mut run = Run {
        scenario,
        suite,
        target,
        scale,
        vars,
        conns: HashMap::new(),
        transcript: Transcript::default(),
    };
    let result = run.steps().await;
    run.leave_udp().await;
    result
}

impl Run<'_> {
    /// Runs the steps until one fails.
    async fn steps(&mut self) -> Result<(), Failure> {
        let scenario = self.scenario;
        for (i, step) in scenario.steps.iter().enumerate() {
            if let Err(f) = self.step(step).await {
                let (bytes, hexdump) = match &f.bytes {
                    Some(b) if !b.is_empty() => {
                        let plain = std::str::from_utf8(b).is_ok_and(|s| {
                            !s.chars().any(|c| c.is_control() && c != '\n' && c != '\r')
                        });
                        (
                            Some(wire::escape::escape(b)),
                            (!plain).then(|| hexdump(b, 256)),
                        )
                    }
                    _ => (None, None),
                };
                return Err(Failure {
                    step: i + 1,
                    location: step.location.to_string(),
                    action: action_words(&step.action),
                    expected: f.expected,
                    got: f.got,
                    bytes,
                    hexdump,
                    transcript: std::mem::take(&mut self.transcript).into_entries(),
                });
            }
        }
        Ok(())
    }

    /// UDP registrations outlive the scenario on the server (until they expire): say BYE on
    /// every UDP connection, as closing does for TCP, so a replay with the same seed finds its
    /// names free. Nothing is awaited: a peer that was never registered just gets an error.
    async fn leave_udp(&mut self) {
        for conn in self.conns.values_mut() {
            if let Conn::Udp(_) = conn {
                let deadline = Instant::now() + Duration::from_millis(200);
                let _ = conn
                    .send(&[Bytes::from_static(b"BYE\n")], Duration::ZERO, deadline)
                    .await;
            }
        }
    }
}

/// A step in a few words, for reports.
fn action_words(action: &Action) -> String {
    match action {
        Action::Connect { conn } => format!("connect {conn}"),
        Action::Send { conn, .. } => format!("send on {conn}"),
        Action::HalfClose { conn } => format!("half-close {conn}"),
        Action::Reset { conn } => format!("reset {conn}"),
        Action::Expect { conn, .. } => format!("expect on {conn}"),
        Action::Barrier { conn, .. } => format!("barrier (PING/PONG) on {conn}"),
        Action::Silence { conn, window } => {
            format!("expect silence on {conn} for {} ms", window.as_millis())
        }
        Action::Pause(d) => format!("pause {} ms", d.as_millis()),
    }
}

impl Run<'_> {
    fn deadline(&self, d: Duration) -> Instant {
        Instant::now() + d.mul_f64(self.scale)
    }

    /// The connection `name`, opened now if this is its first use.
    async fn conn(&mut self, name: &str) -> Result<&mut Conn, StepFailure> {
        if !self.conns.contains_key(name) {
            let transport = self.scenario.transport(name);
            let deadline = self.deadline(Duration::from_secs(2));
            let conn = match transport {
                Transport::Tcp => Conn::tcp(self.target, deadline).await,
                Transport::Udp => Conn::udp(self.target).await,
            }
            .map_err(|e| {
                StepFailure::new(
                    format!("to connect `{name}` to {}", self.target),
                    format!("could not connect: {e}"),
                )
            })?;
            self.transcript
                .note(name, Direction::Note, format!("connected ({transport:?})"));
            self.conns.insert(name.to_owned(), conn);
        }
        Ok(self.conns.get_mut(name).expect("inserted above"))
    }

    async fn step(&mut self, step: &Step) -> Result<(), StepFailure> {
        match &step.action {
            Action::Connect { conn } => self.conn(conn).await.map(|_| ()),
            Action::Pause(d) => {
                tokio::time::sleep(d.mul_f64(self.scale)).await;
                Ok(())
            }
            Action::Send {
                conn,
                data,
                split,
                pause,
                timeout,
                repeat,
            } => {
                let once = self.bytes_of(data)?;
                let bytes = if *repeat > 1 {
                    once.repeat(*repeat as usize).into()
                } else {
                    once
                };
                let chunks = cut(&bytes, split);
                let deadline = self.deadline(*timeout);
                let pause = *pause;
                self.conn(conn).await?;
                self.transcript.push(conn, Direction::Sent, &bytes);
                let c = self.conn(conn).await?;
                let note = c
                    .send(&chunks, pause, deadline)
                    .await
                    .map_err(|got| StepFailure::new("the server to read what was sent", got))?;
                if let Some(note) = note {
                    self.transcript.note(conn, Direction::Note, note);
                }
                Ok(())
            }
            Action::HalfClose { conn } => {
                let c = self.conn(conn).await?;
                let result = c.half_close().await;
                self.transcript
                    .note(conn, Direction::Note, "half-closed (FIN sent)".to_owned());
                result.map_err(|e| StepFailure::new("to half-close", e.to_string()))
            }
            Action::Reset { conn } => {
                self.conn(conn).await?;
                if let Some(c) = self.conns.remove(conn) {
                    c.reset();
                }
                self.transcript
                    .note(conn, Direction::Note, "reset (RST sent)".to_owned());
                Ok(())
            }
            Action::Expect {
                conn,
                alternatives,
                timeout,
                repeat,
            } => {
                for _ in 0..*repeat {
                    self.expect(conn, alternatives, *timeout).await?;
                }
                Ok(())
            }
            Action::Barrier { conn, timeout } => {
                // A bare PING: a server that drops tokens fails PING-1 in its own scenario,
                // not every scenario that uses a barrier.
                let line = Bytes::from_static(b"PING\n");
                let deadline = self.deadline(*timeout);
                self.conn(conn).await?;
                self.transcript.push(conn, Direction::Sent, &line);
                let c = self.conn(conn).await?;
                c.send(&[line], Duration::ZERO, deadline)
                    .await
                    .map_err(|got| StepFailure::new("the server to read a PING", got))?;
                // A close during the PING shows up as the next event.
                let event = c.next_event(deadline).await;
                self.record(conn, &event);
                let expected = "PONG, before anything else (the PING barrier)".to_owned();
                match &event {
                    Event::Message {
                        message: wire::ServerMessage::Pong(_),
                        ..
                    } => Ok(()),
                    other => Err(failure_from(expected, other)),
                }
            }
            Action::Silence { conn, window } => {
                let deadline = self.deadline(*window);
                let c = self.conn(conn).await?;
                let event = c.next_event(deadline).await;
                match &event {
                    Event::Timeout { partial } if partial.is_empty() => Ok(()),
                    other => {
                        self.record(conn, other);
                        Err(failure_from(
                            format!("nothing at all for {} ms", window.as_millis()),
                            other,
                        ))
                    }
                }
            }
        }
    }

    async fn expect(
        &mut self,
        conn: &str,
        alternatives: &[Expectation],
        timeout: Duration,
    ) -> Result<(), StepFailure> {
        let deadline = self.deadline(timeout);
        if let [Expectation::Raw(raw)] = alternatives {
            return self.expect_raw(conn, raw, deadline).await;
        }
        let c = self.conn(conn).await?;
        let event = c.next_event(deadline).await;
        self.record(conn, &event);
        let expected = alternatives
            .iter()
            .map(|a| describe(a, &self.vars))
            .collect::<Vec<_>>()
            .join("\n        or: ");
        match expect::check(alternatives, &event, &mut self.vars, self.suite) {
            Ok(()) => Ok(()),
            Err(reason) => {
                let mut f = failure_from(expected, &event);
                if !reason.is_empty() {
                    f.got = format!("{}\n  (why: {reason})", f.got);
                }
                Err(f)
            }
        }
    }

    async fn expect_raw(
        &mut self,
        conn: &str,
        raw: &RawMatcher,
        deadline: Instant,
    ) -> Result<(), StepFailure> {
        let (want, expected, exact) = match raw {
            RawMatcher::Exact(t) => {
                let bytes = wire::escape::unescape(&t.render(|n| self.vars.text(n)))
                    .map_err(|e| StepFailure::new("escaped bytes", e.to_string()))?;
                let words = format!("the bytes `{}`", wire::escape::escape(&bytes));
                (RawRead::Exact(bytes.len()), words, Some(bytes))
            }
            RawMatcher::Until { delimiter, regex } => {
                let words = match regex {
                    Some(r) => format!(
                        "bytes matching /{}/ up to `{}`",
                        r.as_str(),
                        wire::escape::escape(delimiter)
                    ),
                    None => format!("bytes up to `{}`", wire::escape::escape(delimiter)),
                };
                (RawRead::Until(delimiter), words, None)
            }
        };
        let c = self.conn(conn).await?;
        let got = match c.read_raw(want, deadline).await {
            Ok(b) => b,
            Err(event) => {
                self.record(conn, &event);
                return Err(failure_from(expected, &event));
            }
        };
        self.transcript.push(conn, Direction::Received, &got);
        let ok = match raw {
            RawMatcher::Exact(_) => exact.is_some_and(|b| got[..] == b[..]),
            RawMatcher::Until { regex: Some(r), .. } => r.is_match(&String::from_utf8_lossy(&got)),
            RawMatcher::Until { regex: None, .. } => true,
        };
        if ok {
            return Ok(());
        }
        Err(StepFailure {
            expected,
            got: format!("`{}`", wire::escape::escape(&got)),
            bytes: Some(got),
        })
    }

    fn record(&mut self, conn: &str, event: &Event) {
        match event {
            Event::Message { raw, .. } => self.transcript.push(conn, Direction::Received, raw),
            Event::Malformed(m) => self.transcript.push(conn, Direction::Received, &m.line),
            other => {
                let (words, _) = describe_event(other);
                self.transcript.note(conn, Direction::Note, words);
            }
        }
    }

    /// The bytes a send step writes.
    fn bytes_of(&self, data: &SendData) -> Result<Bytes, StepFailure> {
        let render = |t: &crate::scenario::Template| t.render(|n| self.vars.text(n));
        match data {
            SendData::Hex(b) => Ok(Bytes::from(b.clone())),
            SendData::Raw(t) => wire::escape::unescape(&render(t))
                .map(Bytes::from)
                .map_err(|e| StepFailure::new("escaped bytes", e.to_string())),
            SendData::Messages { lines, payload } => {
                let payload = match payload {
                    Some(p) => Some(payload_bytes(p, &self.vars, self.suite).ok_or_else(|| {
                        StepFailure::new("a payload", "the payload source is missing")
                    })?),
                    None => None,
                };
                let mut out = BytesMut::new();
                let mut payload = payload;
                for line in lines {
                    let line = render(line);
                    let fields: Vec<&str> = line.split(' ').collect();
                    match (fields.as_slice(), payload.take()) {
                        (["PUT", path], Some(bytes)) => {
                            let path = PathArg::new(*path)
                                .map_err(|e| StepFailure::new("a valid PUT path", e.to_string()))?;
                            ClientMessage::Put {
                                path,
                                payload: bytes,
                            }
                            .encode(&mut out);
                        }
                        (["PUT", ..], Some(bytes)) => {
                            out.extend_from_slice(line.as_bytes());
                            out.extend_from_slice(b"\n");
                            out.extend_from_slice(&bytes);
                        }
                        (_, unused) => {
                            payload = unused;
                            out.extend_from_slice(line.as_bytes());
                            out.extend_from_slice(b"\n");
                        }
                    }
                }
                Ok(out.freeze())
            }
        }
    }
}

fn failure_from(expected: String, event: &Event) -> StepFailure {
    let (got, bytes) = describe_event(event);
    StepFailure {
        expected,
        got,
        bytes,
    }
}

/// Cuts bytes into the writes of a split send.
fn cut(bytes: &Bytes, split: &Split) -> Vec<Bytes> {
    match split {
        Split::None => vec![bytes.clone()],
        Split::Bytes => (0..bytes.len()).map(|i| bytes.slice(i..i + 1)).collect(),
        Split::At(cuts) => {
            let mut out = Vec::new();
            let mut start = 0;
            for &c in cuts.iter().filter(|&&c| c > 0 && c < bytes.len()) {
                out.push(bytes.slice(start..c));
                start = c;
            }
            out.push(bytes.slice(start..));
            out
        }
    }
}
