//! Running one scenario: its steps in order, each under a deadline, until one fails. The
//! verdict is data: where it failed, what was expected, what was observed.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use super::conn::{Conn, Event};
use super::listen::Listeners;
use super::matching::observe;
use super::probe::CloseWait;
use super::transcript::Transcript;
use super::vars::Vars;
use crate::outcome::{Expected, Mismatch, Observation, StepFailure};
use crate::scenario::{ConnId, Scenario, Step, Suite, Transport, UnsetVar};

/// How a scenario ended.
#[derive(Debug)]
pub enum Verdict {
    /// Every step passed.
    Passed,
    /// A step failed: a verdict on the program.
    Failed(Box<StepFailure>),
    /// The harness could not run a step (a bug in the suite or the tool, not the program's
    /// fault): why, with the step's location.
    HarnessError(String),
}

/// Why one step did not pass, before it is placed in the scenario.
#[derive(Debug)]
pub(super) enum StepError {
    /// The program did not do what the step needed.
    Failed(Box<Unmet>),
    /// The harness could not run the step.
    Harness(String),
}

/// What a step needed and what happened instead.
#[derive(Debug)]
pub(super) struct Unmet {
    pub expected: Expected,
    pub observed: Observation,
    pub mismatches: Vec<Mismatch>,
    pub received: Option<Bytes>,
}

impl StepError {
    /// A failure with no mismatch detail.
    pub fn failed(expected: Expected, observed: Observation, received: Option<Bytes>) -> Self {
        StepError::Failed(Box::new(Unmet {
            expected,
            observed,
            mismatches: Vec::new(),
            received,
        }))
    }

    /// `expected` was not met by `event`.
    pub fn on_event(expected: Expected, event: &Event) -> Self {
        let (observed, received) = observe(event);
        StepError::failed(expected, observed, received)
    }
}

impl From<UnsetVar> for StepError {
    fn from(e: UnsetVar) -> Self {
        StepError::Harness(e.to_string())
    }
}

/// What every scenario of a run shares.
#[derive(Debug)]
pub struct Context<'a> {
    /// The suite (its files, which payloads name).
    pub suite: &'a Suite,
    /// Where the program listens; `None` for a program that only connects (a client).
    pub target: Option<SocketAddr>,
    /// The run's seed.
    pub seed: u64,
    /// The deadline multiplier.
    pub scale: f64,
    /// How long to wait for the program to close a connection the harness has ended.
    pub close_wait: &'a CloseWait,
}

/// The state of one scenario run.
pub(super) struct Run<'a> {
    pub scenario: &'a Scenario,
    pub suite: &'a Suite,
    pub target: Option<SocketAddr>,
    pub scale: f64,
    pub vars: Vars,
    conns: Vec<Option<Conn>>,
    pub listeners: Listeners,
    pub transcript: Transcript,
}

/// Runs `scenario`; at the end its connections are ended cleanly, each waited for per
/// `ctx.close_wait`, so none holds a slot of the server when the next scenario starts.
pub async fn run_scenario(scenario: &Scenario, ctx: &Context<'_>) -> Verdict {
    let mut vars = Vars::new(ctx.seed, &scenario.id);
    for (name, kind) in &scenario.vars {
        vars.generate(name, kind);
    }
    let listeners = match Listeners::bind(scenario).await {
        Ok(l) => l,
        Err(e) => return Verdict::HarnessError(format!("cannot listen on 127.0.0.1: {e}")),
    };
    if let Some(port) = listeners.port().or(ctx.target.map(|t| t.port())) {
        vars.set("PORT", port.to_string());
    }
    let mut run = Run {
        scenario,
        suite: ctx.suite,
        target: ctx.target,
        scale: ctx.scale,
        vars,
        conns: scenario.connections.iter().map(|_| None).collect(),
        listeners,
        transcript: Transcript::default(),
    };
    let verdict = run.steps().await;
    if ctx.suite.protocol == crate::scenario::Protocol::SocketLab {
        run.leave_udp().await;
    }
    run.end_all(ctx.close_wait).await;
    verdict
}

impl Run<'_> {
    /// Runs the steps until one fails.
    async fn steps(&mut self) -> Verdict {
        let scenario = self.scenario;
        for (i, step) in scenario.steps.iter().enumerate() {
            match self.step(step).await {
                Ok(()) => {}
                Err(StepError::Harness(why)) => {
                    return Verdict::HarnessError(format!(
                        "step {} at {}: {why}",
                        i + 1,
                        step.location
                    ));
                }
                Err(StepError::Failed(unmet)) => {
                    let Unmet {
                        expected,
                        observed,
                        mismatches,
                        received,
                    } = *unmet;
                    let conn = step.action.conn().map_or("", |c| self.name(c));
                    return Verdict::Failed(Box::new(StepFailure {
                        step: i + 1,
                        location: step.location.clone(),
                        source_line: step.source_line.clone(),
                        action: step.action.words(conn),
                        expected,
                        observed,
                        mismatches,
                        received,
                        transcript: self.transcript.take(),
                    }));
                }
            }
        }
        Verdict::Passed
    }

    /// UDP registrations outlive the scenario on the server (until they expire): say BYE on
    /// every UDP connection, as closing does for TCP, so a replay with the same seed finds its
    /// names free. Nothing is awaited: a peer that was never registered just gets an error.
    async fn leave_udp(&mut self) {
        for conn in self.conns.iter_mut().flatten() {
            if let Conn::Udp(_) = conn {
                let deadline = Instant::now() + Duration::from_millis(200);
                let _ = conn
                    .send(&[Bytes::from_static(b"BYE\n")], Duration::ZERO, deadline)
                    .await;
            }
        }
    }

    /// Ends every open connection, all at once.
    async fn end_all(&mut self, close_wait: &CloseWait) {
        let deadline = close_wait.deadline();
        let mut ending = tokio::task::JoinSet::new();
        for conn in self.conns.iter_mut().filter_map(Option::take) {
            ending.spawn(conn.end(deadline));
        }
        while let Some(closed) = ending.join_next().await {
            if matches!(closed, Ok(false)) {
                close_wait.missed();
            }
        }
    }

    /// The name of a connection.
    pub fn name(&self, id: ConnId) -> &str {
        &self.scenario.connection(id).name
    }

    /// A deadline `d` from now, scaled.
    pub fn deadline(&self, d: Duration) -> Instant {
        Instant::now() + d.mul_f64(self.scale)
    }

    /// The connection `id`, opened (or accepted) now if this is its first use.
    pub async fn conn(&mut self, id: ConnId) -> Result<&mut Conn, StepError> {
        if self.conns[id.index()].is_none() {
            let connection = self.scenario.connection(id);
            let conn = if connection.listen {
                self.accept(id).await?
            } else {
                self.dial(id).await?
            };
            let how = if connection.listen {
                "accepted"
            } else {
                "connected"
            };
            let name = connection.name.clone();
            let note = format!("{how} ({:?})", connection.transport);
            self.transcript.note(&name, note);
            self.conns[id.index()] = Some(conn);
        }
        Ok(self.conns[id.index()].as_mut().expect("opened above"))
    }

    async fn dial(&self, id: ConnId) -> Result<Conn, StepError> {
        let connection = self.scenario.connection(id);
        let Some(target) = self.target else {
            return Err(StepError::Harness(format!(
                "`{}` connects to the program, but the program listens on no port (is it a client?)",
                connection.name
            )));
        };
        let deadline = self.deadline(Duration::from_secs(2));
        let conn = match connection.transport {
            Transport::Tcp => Conn::tcp(target, deadline).await,
            Transport::Udp => Conn::udp(target).await,
        };
        conn.map_err(|e| {
            StepError::failed(
                Expected::Connected {
                    conn: connection.name.clone(),
                    addr: target.to_string(),
                },
                Observation::ConnectFailed {
                    error: e.to_string(),
                },
                None,
            )
        })
    }

    /// The program's connection to listener `id`: it has 10 s (scaled) to connect, time for
    /// an interpreter to start.
    async fn accept(&mut self, id: ConnId) -> Result<Conn, StepError> {
        let deadline = self.deadline(Duration::from_secs(10));
        let addr = self.listeners.addr(id);
        self.listeners.accept(id, deadline).await.map_err(|e| {
            StepError::failed(
                Expected::Accepted {
                    conn: self.scenario.connection(id).name.clone(),
                    addr: addr.map(|a| a.to_string()).unwrap_or_default(),
                },
                Observation::ConnectFailed {
                    error: e.to_string(),
                },
                None,
            )
        })
    }

    /// Forgets a connection (after a reset); a later step opens a new one.
    pub fn forget(&mut self, id: ConnId) -> Option<Conn> {
        self.conns[id.index()].take()
    }

    /// Records an event in the transcript: its bytes, or what it was.
    pub fn record(&mut self, id: ConnId, event: &Event) {
        let name = self.scenario.connection(id).name.as_str();
        match event {
            Event::Message { raw, .. } => self.transcript.received(name, raw),
            Event::Malformed(m) => self.transcript.received(name, &m.line),
            other => self.transcript.observed(name, observe(other).0),
        }
    }

    async fn step(&mut self, step: &Step) -> Result<(), StepError> {
        use crate::scenario::Action;
        match &step.action {
            Action::Connect(conn) => self.conn(*conn).await.map(|_| ()),
            // Not scaled: a pause waits out a program's own timer, which a slow grading
            // machine does not stretch.
            Action::Pause(d) => {
                tokio::time::sleep(*d).await;
                Ok(())
            }
            Action::Send(send) => self.send(send).await,
            Action::HalfClose(conn) => self.half_close(*conn).await,
            Action::Reset(conn) => {
                self.conn(*conn).await?;
                if let Some(c) = self.forget(*conn) {
                    c.reset();
                }
                let name = self.name(*conn).to_owned();
                self.transcript.note(&name, "reset (RST sent)");
                Ok(())
            }
            Action::Expect(expect) => self.expect(expect).await,
            Action::ExpectRaw(raw) => self.expect_raw(raw).await,
            Action::Barrier { conn, timeout } => self.barrier(*conn, *timeout).await,
            Action::Silence { conn, window } => self.silence(*conn, *window).await,
            Action::Start { .. }
            | Action::WriteStdin { .. }
            | Action::CloseStdin(_)
            | Action::ExpectOutput { .. }
            | Action::ExpectExit { .. }
            | Action::ExpectFile { .. } => Err(StepError::Harness(
                "this step acts on the program, which the harness did not start: run it with --spawn".to_owned(),
            )),
        }
    }
}
