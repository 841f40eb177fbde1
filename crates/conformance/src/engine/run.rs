//! Running one scenario: its steps in order, each under a deadline, until one fails. The
//! verdict is data: where it failed, what was expected, what was observed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::conn::{Conn, Event};
use super::launch::{Instance, ProgramPlan};
use super::listen::Listeners;
use super::matching::observe;
use super::probe::CloseWait;
use super::program_steps::Slot;
use super::transcript::Transcript;
use super::vars::Vars;
pub(crate) use super::verdict::{Outcome, StepError, Unmet, Verdict};
use crate::outcome::{Expected, Observation, ProgramReport, StepFailure};
use crate::scenario::{ConnId, Lifecycle, ProgramId, Scenario, Step, Suite, Transport};

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
    /// How to start the program, when the harness does (`--spawn`).
    pub plan: Option<&'a ProgramPlan>,
    /// The instance started once for the run, if there is one.
    pub shared: Option<Arc<Mutex<Instance>>>,
    /// Values for the suite's variables, instead of their defaults.
    pub overrides: &'a [(String, String)],
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
    pub plan: Option<&'a ProgramPlan>,
    /// Instances of the program, by [`ProgramId`].
    pub programs: Vec<Option<Slot>>,
    /// Per instance, how far into stdout and stderr earlier steps have matched.
    pub cursors: Vec<[usize; 2]>,
}

/// Runs `scenario`; at the end its connections are ended cleanly, each waited for per
/// `ctx.close_wait`, so none holds a slot of the server when the next scenario starts; and the
/// programs it started are stopped.
pub async fn run_scenario(scenario: &Scenario, ctx: &Context<'_>) -> Outcome {
    let mut run = match Run::new(scenario, ctx).await {
        Ok(run) => run,
        Err(why) => {
            return Outcome {
                verdict: Verdict::HarnessError(why),
                programs: Vec::new(),
            };
        }
    };
    let verdict = match run.auto_start().await {
        Err(e) => run.verdict_of(e, None),
        Ok(()) => run.steps().await,
    };
    if ctx.suite.protocol == crate::scenario::Protocol::SocketLab {
        run.leave_udp().await;
    }
    run.end_all(ctx.close_wait).await;
    let programs = run.stop_programs().await;
    Outcome { verdict, programs }
}

impl<'a> Run<'a> {
    async fn new(scenario: &'a Scenario, ctx: &Context<'a>) -> Result<Run<'a>, String> {
        let mut vars = Vars::new(ctx.seed, &scenario.id);
        for (name, kind) in &scenario.vars {
            vars.generate(name, kind);
        }
        for (name, default) in &ctx.suite.variables {
            let set = ctx.overrides.iter().find(|(n, _)| n == name);
            vars.set(name, set.map_or(default, |(_, v)| v).clone());
        }
        let listeners = Listeners::bind(scenario)
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        if let Some(port) = listeners.port().or(ctx.target.map(|t| t.port())) {
            vars.set("PORT", port.to_string());
        }
        let mut programs: Vec<Option<Slot>> = scenario.programs.iter().map(|_| None).collect();
        let mut cursors = vec![[0, 0]; scenario.programs.len()];
        if let Some(shared) = &ctx.shared {
            let inst = shared.lock().await;
            cursors[0] = [
                inst.running.stdout().position(),
                inst.running.stderr().position(),
            ];
            drop(inst);
            programs[0] = Some(Slot::Shared(shared.clone()));
        }
        Ok(Run {
            scenario,
            suite: ctx.suite,
            target: ctx.target,
            scale: ctx.scale,
            vars,
            conns: scenario.connections.iter().map(|_| None).collect(),
            listeners,
            transcript: Transcript::default(),
            plan: ctx.plan,
            programs,
            cursors,
        })
    }

    /// Starts `program` for this scenario when the harness starts one per scenario and no step
    /// starts it itself.
    async fn auto_start(&mut self) -> Result<(), StepError> {
        match self.plan {
            Some(plan)
                if plan.settings.lifecycle == Lifecycle::PerScenario
                    && !self.scenario.starts_programs =>
            {
                self.start(ProgramId(0), None).await
            }
            _ => Ok(()),
        }
    }

    /// Stops the instances this scenario started; what they did.
    async fn stop_programs(&mut self) -> Vec<ProgramReport> {
        let grace = self.plan.map_or(Duration::from_secs(1), |p| p.grace);
        let mut reports = Vec::new();
        for slot in self.programs.iter_mut() {
            if let Some(Slot::Owned(inst)) = slot.take() {
                reports.push(inst.finish(grace).await);
            }
        }
        reports
    }
}

impl Run<'_> {
    /// Runs the steps until one fails.
    async fn steps(&mut self) -> Verdict {
        let scenario = self.scenario;
        for (i, step) in scenario.steps.iter().enumerate() {
            if let Err(e) = self.step(step).await {
                return self.verdict_of(e, Some((i + 1, step)));
            }
        }
        Verdict::Passed
    }

    /// The verdict of a step that did not pass: step `n` of the scenario, or the harness's own
    /// start of the program before the first step.
    fn verdict_of(&mut self, e: StepError, step: Option<(usize, &Step)>) -> Verdict {
        let (n, location, source_line, action) = match step {
            Some((n, step)) => {
                let conn = step
                    .action
                    .conn()
                    .map(|c| self.name(c).to_owned())
                    .or_else(|| {
                        step.action
                            .program()
                            .map(|p| self.scenario.programs[p.index()].clone())
                    })
                    .unwrap_or_default();
                (
                    n,
                    step.location.clone(),
                    step.source_line.clone(),
                    step.action.words(&conn),
                )
            }
            None => (
                0,
                self.scenario.location.clone(),
                String::new(),
                "start the program".to_owned(),
            ),
        };
        match e {
            StepError::Harness(why) => {
                Verdict::HarnessError(format!("step {n} at {location}: {why}"))
            }
            StepError::Failed(unmet) => {
                let Unmet {
                    expected,
                    observed,
                    mismatches,
                    received,
                } = *unmet;
                Verdict::Failed(Box::new(StepFailure {
                    step: n,
                    location,
                    source_line,
                    action,
                    expected,
                    observed,
                    mismatches,
                    received,
                    transcript: self.transcript.take(),
                    peer: crate::outcome::Peer::of(self.suite.program.role),
                }))
            }
        }
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

    /// The program under test, as reports name it.
    pub fn peer(&self) -> &'static str {
        crate::outcome::Peer::of(self.suite.program.role).noun()
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
            let mut conn = if connection.listen {
                self.accept(id).await?
            } else {
                self.dial(id).await?
            };
            if let Conn::Tcp(tcp) = &mut conn {
                tcp.set_limits(super::budget::limits_for(self.suite, self.scenario));
            }
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
                    addr: addr
                        .map(|a| format!("port {}", a.port()))
                        .unwrap_or_default(),
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
            Action::Start { program, listener } => self.start(*program, *listener).await,
            Action::WriteStdin {
                program,
                data,
                timeout,
            } => self.write_stdin(*program, data, *timeout).await,
            Action::CloseStdin(program) => self.close_stdin(*program).await,
            Action::ExpectOutput {
                program,
                stream,
                matcher,
                timeout,
            } => {
                self.expect_output(*program, *stream, matcher, *timeout)
                    .await
            }
            Action::ExpectExit {
                program,
                code,
                timeout,
            } => self.expect_exit(*program, *code, *timeout).await,
            Action::ExpectFile {
                program,
                path,
                matcher,
                timeout,
            } => self.expect_file(*program, path, matcher, *timeout).await,
        }
    }
}
