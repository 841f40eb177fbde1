//! Starting scenarios in suite order, at most `--jobs` at once, with a check before each that
//! the subject is still up; a scenario that broadcasts runs alone.

mod subject;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{RwLock, Semaphore};
use tokio::time::Instant;

pub use subject::Subject;

use self::subject::Started;
use super::{Context, Outcome, RunOptions, Target, Verdict, run_scenario, selected};
use crate::outcome::{
    Manifest, Points, RunReport, SCHEMA_VERSION, ScenarioReport, Status, Summary,
};
use crate::scenario::{Scenario, Suite};

/// A report for `s` with `status`; `verdict` fills in the failure or the harness error.
fn report_for(
    s: &Scenario,
    status: Status,
    elapsed: Duration,
    reason: Option<String>,
) -> ScenarioReport {
    ScenarioReport {
        id: s.id.clone(),
        title: s.title.clone(),
        file: s.location.file.display().to_string(),
        line: s.location.line,
        requirements: s.requirements.clone(),
        tags: s.tags.clone(),
        points: if status == Status::Passed {
            s.points.into()
        } else {
            Points::ZERO
        },
        max_points: s.points.into(),
        status,
        duration_ms: elapsed.as_millis() as u64,
        failure: None,
        reason,
        hint: None,
        optional: s.optional,
        programs: Vec::new(),
        visibility: s.visibility,
        bonus: false,
        partial: None,
        attempts: 1,
        flaky: false,
    }
}

/// The report of a scenario that ran to a verdict.
fn report_of(s: &Scenario, outcome: Outcome, elapsed: Duration) -> ScenarioReport {
    let report = match outcome.verdict {
        Verdict::Passed => report_for(s, Status::Passed, elapsed, None),
        Verdict::HarnessError(why) => report_for(s, Status::Error, elapsed, Some(why)),
        Verdict::Failed(f) => {
            let step_hint = f
                .step
                .checked_sub(1)
                .and_then(|i| s.steps.get(i))
                .and_then(|st| st.hint.clone());
            ScenarioReport {
                hint: step_hint.or_else(|| s.hint.clone()),
                failure: Some(*f),
                ..report_for(s, Status::Failed, elapsed, None)
            }
        }
    };
    ScenarioReport {
        programs: outcome.programs,
        ..report
    }
}

/// What scenarios share while a suite runs.
#[derive(Debug)]
struct Shared {
    started: Started,
    subject: Subject,
    state: Mutex<State>,
}

/// What the scenarios have found out about the server.
#[derive(Debug, Default)]
struct State {
    /// Set once the server stops accepting connections: why, naming the scenario before.
    down: Option<String>,
    /// The last scenario that ran to a verdict.
    last: Option<String>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Why a scenario is not for this run, if it is not.
fn skip_reason(s: &Scenario, opts: &RunOptions) -> Option<&'static str> {
    if s.has_tag("slow") && !opts.slow && !opts.tags.iter().any(|t| t == "slow") {
        return Some("slow: waits out a spec minimum (pass --slow)");
    }
    if s.needs_udp() && !opts.udp {
        return Some("the target does not serve UDP (pass --udp if it does)");
    }
    None
}

async fn run_one(
    suite: &Suite,
    index: usize,
    opts: &RunOptions,
    shared: &Shared,
) -> ScenarioReport {
    let s = &suite.scenarios[index];
    let start = Instant::now();
    if let Some(why) = skip_reason(s, opts) {
        return report_for(s, Status::Skipped, Duration::ZERO, Some(why.into()));
    }
    if let Some(why) = shared.state().down.clone() {
        return report_for(s, Status::NotRun, Duration::ZERO, Some(why));
    }
    if let Err(why) = shared.started.check().await {
        let mut state = shared.state();
        let why = match &state.last {
            Some(id) => format!("the server went down after scenario `{id}` ({why})"),
            None => format!("the server went down ({why})"),
        };
        state.down = Some(why.clone());
        return report_for(s, Status::NotRun, Duration::ZERO, Some(why));
    }
    let plan = match &shared.subject {
        Subject::Program(p) => Some(&**p),
        Subject::Address(_) => None,
    };
    let ctx = Context {
        suite,
        target: shared.started.target,
        seed: opts.seed,
        scale: opts.timeout_scale,
        close_wait: shared.started.close_wait(),
        plan,
        shared: shared.started.shared.clone(),
        overrides: &opts.vars,
    };
    let outcome = run_scenario(s, &ctx).await;
    let report = report_of(s, outcome, start.elapsed());
    shared.state().last = Some(report.id.clone());
    report
}

/// What a run tells the outside as it goes: for progress lines, and for a report file kept up
/// to date so that a run killed from outside still leaves its results.
pub trait Observer {
    /// A scenario is starting.
    fn started(&self, _scenario: &Scenario) {}
    /// A scenario has its verdict; called in suite order.
    fn finished(&self, report: &ScenarioReport);
    /// The run so far, after each verdict: scenarios without one yet are `not_run`.
    fn partial(&self, _so_far: &RunReport) {}
}

/// An observer that sees nothing: for runs whose progress nobody reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {
    fn finished(&self, _: &ScenarioReport) {}
}

/// An observer that only sees verdicts.
struct OnFinished<F>(F);

impl<F: Fn(&ScenarioReport)> Observer for OnFinished<F> {
    fn finished(&self, report: &ScenarioReport) {
        (self.0)(report)
    }
}

/// Runs the selected scenarios of `suite` against `target`, starting them in suite order, at
/// most `opts.jobs` at once. `on_done` sees each verdict as it comes (progress output); the
/// report lists them in suite order.
pub async fn run_suite(
    suite: Arc<Suite>,
    target: &Target,
    opts: &RunOptions,
    on_done: impl Fn(&ScenarioReport),
) -> RunReport {
    let observer = OnFinished(on_done);
    let subject = Subject::Address(target.clone());
    run_suite_until(suite, &subject, opts, &observer, std::future::pending()).await
}

/// [`run_suite`], until `stop` resolves (a signal, a time limit): then the scenarios still
/// running are abandoned and every scenario without a verdict is `not_run`, with the reason
/// `stop` gives.
pub async fn run_suite_until(
    suite: Arc<Suite>,
    subject: &Subject,
    opts: &RunOptions,
    observer: &impl Observer,
    stop: impl std::future::Future<Output = String>,
) -> RunReport {
    let mut run = SuiteRun::start(suite, subject, opts).await;
    let stopped = tokio::select! {
        () = run.run_all(observer) => None,
        why = stop => Some(why),
    };
    let mut report = match &stopped {
        Some(why) => {
            run.abandon(observer).await;
            run.report(&format!(
                "the run was stopped before this scenario ended: {why}"
            ))
        }
        None => run.report("the harness failed while running this scenario"),
    };
    report.stopped = stopped;
    report.program = run.stop_program().await;
    report
}

/// A suite being run.
struct SuiteRun {
    suite: Arc<Suite>,
    opts: RunOptions,
    started: Instant,
    started_at: String,
    /// Indexes of the selected scenarios, in suite order.
    selected: Vec<usize>,
    shared: Arc<Shared>,
    tasks: tokio::task::JoinSet<(usize, ScenarioReport)>,
    collected: Collected,
}

impl SuiteRun {
    /// Selects the scenarios and starts the subject (a first probe, or the program).
    async fn start(suite: Arc<Suite>, subject: &Subject, opts: &RunOptions) -> SuiteRun {
        let clock = Instant::now();
        let started_at = manifest(&suite, "", opts).started_at;
        let selected: Vec<usize> = (0..suite.scenarios.len())
            .filter(|&i| selected(&suite.scenarios[i], opts))
            .collect();
        let started = subject.start(&suite, opts).await;
        let down = started.unreachable.clone().map(|why| match subject {
            Subject::Address(_) => format!("the server never answered ({why})"),
            Subject::Program(_) => format!("the program never got ready: {why}"),
        });
        let mut opts = opts.clone();
        if let Subject::Program(p) = subject {
            // A program that must be ready on UDP serves it.
            opts.udp |= p.settings.ready != crate::scenario::Ready::Tcp;
            if p.fixed_port.is_some() && started.shared.is_none() {
                // One port for every instance: they cannot run side by side.
                opts.jobs = 1;
            }
        }
        SuiteRun {
            collected: Collected {
                reports: vec![None; selected.len()],
                shown: 0,
            },
            suite,
            opts,
            started: clock,
            started_at,
            selected,
            shared: Arc::new(Shared {
                started,
                subject: subject.clone(),
                state: Mutex::new(State { down, last: None }),
            }),
            tasks: tokio::task::JoinSet::new(),
        }
    }

    /// Stops the run's program, once no scenario holds it: what it did.
    async fn stop_program(&mut self) -> Option<crate::outcome::ProgramReport> {
        let shared = Arc::get_mut(&mut self.shared)?;
        let plan = match &shared.subject {
            Subject::Program(p) => Some(p.clone()),
            Subject::Address(_) => None,
        };
        let stopped = shared.started.stop(plan.as_deref()).await;
        stopped.or_else(|| shared.started.failed_start.take())
    }

    /// Starts every scenario in order and waits for all of them.
    async fn run_all(&mut self, observer: &impl Observer) {
        let permits = Arc::new(Semaphore::new(self.opts.jobs.max(1)));
        // A server has one chat room and one connection count: a scenario that sends MSG, or
        // says it is exclusive, runs alone (write); others may overlap (read), so no scenario
        // sees another's FROM lines or finds the server's slots taken.
        let room = Arc::new(RwLock::new(()));
        for order in 0..self.selected.len() {
            let index = self.selected[order];
            // Taking the permit here, not in the task, starts scenarios in suite order.
            let permit = permits.clone().acquire_owned().await.expect("never closed");
            let scenario = &self.suite.scenarios[index];
            let shares_program = self.shared.started.shared.is_some() && scenario.uses_program();
            let (write, read) = if scenario.runs_alone() || shares_program {
                (Some(room.clone().write_owned().await), None)
            } else {
                (None, Some(room.clone().read_owned().await))
            };
            observer.started(scenario);
            let (suite, shared, opts) =
                (self.suite.clone(), self.shared.clone(), self.opts.clone());
            self.tasks.spawn(async move {
                let report = run_one(&suite, index, &opts, &shared).await;
                drop((permit, write, read));
                (order, report)
            });
            while let Some(done) = self.tasks.try_join_next() {
                self.collect(done, observer);
            }
        }
        while let Some(done) = self.tasks.join_next().await {
            self.collect(done, observer);
        }
    }

    /// Stops the scenarios still running, keeping the verdicts already reached.
    async fn abandon(&mut self, observer: &impl Observer) {
        self.tasks.abort_all();
        while let Some(done) = self.tasks.join_next().await {
            if !matches!(&done, Err(e) if e.is_cancelled()) {
                self.collect(done, observer);
            }
        }
    }

    fn collect(
        &mut self,
        done: Result<(usize, ScenarioReport), tokio::task::JoinError>,
        observer: &impl Observer,
    ) {
        if self.collected.collect(done, observer) {
            observer.partial(&self.report("not finished yet when this report was written"));
        }
    }

    /// The report, with `missing` as the reason of each scenario without a verdict.
    fn report(&self, missing: &str) -> RunReport {
        let scenarios: Vec<ScenarioReport> = self
            .collected
            .reports
            .iter()
            .zip(&self.selected)
            .map(|(r, &i)| {
                r.clone().unwrap_or_else(|| {
                    let status = if missing.starts_with("the harness") {
                        Status::Error
                    } else {
                        Status::NotRun
                    };
                    report_for(
                        &self.suite.scenarios[i],
                        status,
                        Duration::ZERO,
                        Some(missing.into()),
                    )
                })
            })
            .collect();
        RunReport {
            schema_version: SCHEMA_VERSION,
            manifest: self.manifest(),
            unreachable: self.shared.started.unreachable.clone(),
            stopped: None,
            program: None,
            summary: Summary::of(&scenarios),
            scenarios,
        }
    }

    fn manifest(&self) -> Manifest {
        let mut m = manifest(&self.suite, &self.shared.started.description, &self.opts);
        m.started_at.clone_from(&self.started_at);
        m.duration_ms = self.started.elapsed().as_millis() as u64;
        m
    }
}

/// The manifest of a run of `suite` against `target` starting now.
fn manifest(suite: &Suite, target: &str, opts: &RunOptions) -> Manifest {
    Manifest {
        tool: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        suite: suite.name.clone(),
        suite_title: suite.title.clone(),
        suite_hash: suite.hash.clone(),
        target: target.to_owned(),
        seed: opts.seed,
        options: opts.clone(),
        started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        duration_ms: 0,
    }
}

/// The report of a run that could not start (an invalid or unresolvable target): every selected
/// scenario is `not_run`, with `why`.
pub fn report_without_run(suite: &Suite, target: &str, opts: &RunOptions, why: &str) -> RunReport {
    let scenarios: Vec<ScenarioReport> = suite
        .scenarios
        .iter()
        .filter(|s| selected(s, opts))
        .map(|s| report_for(s, Status::NotRun, Duration::ZERO, Some(why.to_owned())))
        .collect();
    RunReport {
        schema_version: SCHEMA_VERSION,
        manifest: manifest(suite, target, opts),
        unreachable: Some(why.to_owned()),
        stopped: None,
        program: None,
        summary: Summary::of(&scenarios),
        scenarios,
    }
}

/// Verdicts as they finish, shown in suite order: each is shown once every earlier one is in.
struct Collected {
    reports: Vec<Option<ScenarioReport>>,
    shown: usize,
}

impl Collected {
    /// Keeps a verdict; `true` if it was one.
    fn collect(
        &mut self,
        done: Result<(usize, ScenarioReport), tokio::task::JoinError>,
        observer: &impl Observer,
    ) -> bool {
        match done {
            Ok((order, report)) => self.reports[order] = Some(report),
            // A panicking scenario task is a harness bug; its scenario is reported as an error.
            Err(e) => {
                eprintln!("conformance: internal error in a scenario task: {e}");
                return false;
            }
        }
        while let Some(Some(next)) = self.reports.get(self.shown) {
            observer.finished(next);
            self.shown += 1;
        }
        true
    }
}
