//! The steps on the program's other channels: start an instance, write to its standard input,
//! read its output, wait for its exit, look at a file it saved.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

use super::conn::Judged;
use super::launch::Instance;
use super::raw_matching::{Rendered, render};
use super::run::{Run, StepError};
use crate::outcome::{Expected, Observation};
use crate::scenario::{ConnId, ProgramId, RawMatcher, Role, Stream, Template};

/// An instance a scenario can act on.
#[derive(Debug)]
pub enum Slot {
    /// Started for this scenario: stopped when it ends.
    Owned(Box<Instance>),
    /// Started once for the run.
    Shared(Arc<Mutex<Instance>>),
}

/// An instance, borrowed for one step.
pub enum InstanceRef<'a> {
    /// One the scenario owns.
    Owned(&'a mut Instance),
    /// The run's, locked.
    Shared(MutexGuard<'a, Instance>),
}

impl std::ops::Deref for InstanceRef<'_> {
    type Target = Instance;
    fn deref(&self) -> &Instance {
        match self {
            InstanceRef::Owned(i) => i,
            InstanceRef::Shared(g) => g,
        }
    }
}

impl std::ops::DerefMut for InstanceRef<'_> {
    fn deref_mut(&mut self) -> &mut Instance {
        match self {
            InstanceRef::Owned(i) => i,
            InstanceRef::Shared(g) => g,
        }
    }
}

/// How often a file is looked at while a step waits for it.
const FILE_POLL: Duration = Duration::from_millis(20);

impl Run<'_> {
    /// The instance `id`, if it has been started.
    async fn instance(&mut self, id: ProgramId) -> Result<InstanceRef<'_>, StepError> {
        match self.programs.get_mut(id.index()).and_then(Option::as_mut) {
            Some(Slot::Owned(i)) => Ok(InstanceRef::Owned(i)),
            Some(Slot::Shared(m)) => Ok(InstanceRef::Shared(m.lock().await)),
            None => Err(StepError::Harness(format!(
                "`{}` has not been started: the harness starts `program` itself only when it \
                 was given a command (--spawn)",
                self.scenario.programs[id.index()]
            ))),
        }
    }

    /// `start`: an instance, given the port of `listener` (a client) or one of its own (a
    /// server, then waited for).
    pub(super) async fn start(
        &mut self,
        id: ProgramId,
        listener: Option<ConnId>,
    ) -> Result<(), StepError> {
        let Some(plan) = self.plan else {
            return Err(StepError::Harness(
                "this step starts the program, which needs a command: run with --spawn".into(),
            ));
        };
        let name = self.scenario.programs[id.index()].clone();
        let port = match plan.settings.role {
            Role::Client => listener
                .and_then(|l| self.listeners.addr(l))
                .map(|a| a.port())
                .or(self.listeners.port())
                .ok_or_else(|| {
                    StepError::Harness("a client needs a listener to connect to".into())
                })?,
            Role::Server => plan
                .server_port()
                .map_err(|e| StepError::Harness(format!("no free port: {e}")))?,
        };
        let mut inst = plan.start(&name, port).await.map_err(StepError::Harness)?;
        let ready = match plan.settings.role {
            Role::Server => Some(plan.ready(&mut inst, self.scale).await),
            Role::Client => None,
        };
        self.programs[id.index()] = Some(Slot::Owned(Box::new(inst)));
        self.cursors[id.index()] = [0, 0];
        match ready {
            Some(Err(why)) => Err(StepError::failed(
                Expected::Ready {
                    port,
                    what: plan.ready_words().to_owned(),
                },
                Observation::NotReady { why },
                None,
            )),
            Some(Ok(addr)) if id.index() == 0 => {
                self.target = Some(addr);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// `write_stdin`.
    pub(super) async fn write_stdin(
        &mut self,
        id: ProgramId,
        data: &Template,
        timeout: Duration,
    ) -> Result<(), StepError> {
        let bytes = data.render(&self.vars)?;
        let deadline = self.deadline(timeout);
        let name = self.scenario.programs[id.index()].clone();
        self.transcript.sent(&format!("{name} stdin"), &bytes);
        let mut inst = self.instance(id).await?;
        inst.running
            .write_stdin(&bytes, deadline)
            .await
            .map_err(|e| {
                StepError::failed(
                    Expected::StdinTaken,
                    Observation::WriteFailed {
                        taken: 0,
                        error: e.to_string(),
                    },
                    None,
                )
            })
    }

    /// `close_stdin`.
    pub(super) async fn close_stdin(&mut self, id: ProgramId) -> Result<(), StepError> {
        self.instance(id).await?.running.close_stdin();
        let name = self.scenario.programs[id.index()].clone();
        self.transcript
            .note(&format!("{name} stdin"), "closed (end of file)");
        Ok(())
    }

    /// `expect_stdout` and `expect_stderr`: text after what earlier steps matched.
    pub(super) async fn expect_output(
        &mut self,
        id: ProgramId,
        stream: Stream,
        matcher: &RawMatcher,
        timeout: Duration,
    ) -> Result<(), StepError> {
        let rendered = render(matcher, &self.vars, self.suite)?;
        let deadline = self.deadline(timeout);
        let which = usize::from(stream == Stream::Stderr);
        let from = self.cursors[id.index()][which];
        let label = format!(
            "{} {}",
            self.scenario.programs[id.index()],
            stream_word(stream)
        );
        let result = {
            let inst = self.instance(id).await?;
            let output = match stream {
                Stream::Stdout => inst.running.stdout().clone(),
                Stream::Stderr => inst.running.stderr().clone(),
            };
            drop(inst);
            let judge = |b: &[u8]| judged(&rendered, b, false);
            match output.wait_for(from, judge, deadline).await {
                Ok(found) => Ok(found),
                Err(got) => Err((got, output.is_closed())),
            }
        };
        match result {
            Ok((position, matched)) => {
                self.transcript.received(&label, &matched);
                self.cursors[id.index()][which] = position;
                Ok(())
            }
            Err((got, ended)) => {
                // A stream that ended may still match as a whole (`until_close`).
                if ended && let Judged::Take(_) = rendered.judge(&got, true) {
                    return Ok(());
                }
                if !got.is_empty() {
                    self.transcript.received(&label, &got);
                }
                Err(StepError::failed(
                    rendered.expected(),
                    Observation::Output {
                        len: got.len() as u64,
                        ended,
                    },
                    Some(got),
                ))
            }
        }
    }

    /// `expect_exit`.
    pub(super) async fn expect_exit(
        &mut self,
        id: ProgramId,
        code: Option<i32>,
        timeout: Duration,
    ) -> Result<(), StepError> {
        let deadline = self.deadline(timeout);
        let exit = self.instance(id).await?.running.wait_exit(deadline).await;
        let expected = Expected::Exit { code };
        match exit {
            None => Err(StepError::failed(expected, Observation::StillRunning, None)),
            Some(e) if code.is_none_or(|c| e.code == Some(c)) => Ok(()),
            Some(e) => Err(StepError::failed(
                expected,
                Observation::Exited {
                    exit: e.to_string(),
                },
                None,
            )),
        }
    }

    /// `expect_file`: looked at until it matches, the program ends, or the deadline.
    pub(super) async fn expect_file(
        &mut self,
        id: ProgramId,
        path: &Template,
        matcher: &RawMatcher,
        timeout: Duration,
    ) -> Result<(), StepError> {
        let rendered = render(matcher, &self.vars, self.suite)?;
        let path = path.render_text(&self.vars)?;
        if let Err(e) = wire::path::RelativePath::parse(&path) {
            return Err(StepError::Harness(format!(
                "`{path}` is not a path inside the program's folder: {e}"
            )));
        }
        let deadline = self.deadline(timeout);
        let file = self.instance(id).await?.workdir.path().join(&path);
        let last = loop {
            // Once the program has ended, the file is what it is: one last look, no more wait.
            let ended = self.instance(id).await?.running.exit().is_some();
            let content = std::fs::read(&file).ok().map(Bytes::from);
            if let Some(c) = &content
                && let Judged::Take(_) = rendered.judge(c, true)
            {
                return Ok(());
            }
            if ended || Instant::now() >= deadline {
                break content;
            }
            tokio::time::sleep(FILE_POLL.min(deadline - Instant::now())).await;
        };
        Err(file_failure(path, &rendered, last))
    }
}

/// A file that is missing or does not match: its size against the expected one, where it
/// first differs, its first bytes.
fn file_failure(path: String, rendered: &Rendered, content: Option<Bytes>) -> StepError {
    let mut want = rendered.expected();
    // The file is read whole: no connection closes.
    if let Expected::Raw { until_close, .. } = &mut want {
        *until_close = false;
    }
    let expected = Expected::File {
        path,
        content: Box::new(want),
    };
    let Some(content) = content else {
        return StepError::failed(expected, Observation::NoFile, None);
    };
    let observed = Observation::FileContent {
        len: content.len() as u64,
        want: rendered.expected_len(),
        differs_at: rendered.differs_at(&content),
    };
    let shown = content.slice(..content.len().min(FILE_SHOWN));
    StepError::failed(expected, observed, Some(shown))
}

/// Bytes of a file that does not match kept for the report (its excerpt and hexdump).
const FILE_SHOWN: usize = 1024;

/// The stream's name in transcripts.
fn stream_word(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

/// A matcher's judgement as `Output::wait_for` takes it: the end of the match.
fn judged(rendered: &Rendered, bytes: &[u8], closed: bool) -> Option<usize> {
    match rendered.judge(bytes, closed) {
        Judged::Take(n) => Some(n),
        Judged::More | Judged::Mismatch => None,
    }
}
