//! Starting scenarios in suite order, at most `--jobs` at once, with a probe before each; a
//! scenario that broadcasts runs alone.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{RwLock, Semaphore};
use tokio::time::Instant;

use super::{RunOptions, Target, Verdict, probe, run_scenario, selected};
use crate::outcome::{Manifest, RunReport, SCHEMA_VERSION, ScenarioReport, Status, Summary};
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
            s.points
        } else {
            0
        },
        max_points: s.points,
        status,
        duration_ms: elapsed.as_millis() as u64,
        failure: None,
        reason,
        hint: None,
    }
}

/// The report of a scenario that ran to a verdict.
fn report_of(s: &Scenario, verdict: Verdict, elapsed: Duration) -> ScenarioReport {
    match verdict {
        Verdict::Passed => report_for(s, Status::Passed, elapsed, None),
        Verdict::HarnessError(why) => report_for(s, Status::Error, elapsed, Some(why)),
        Verdict::Failed(f) => {
            let step_hint = s.steps.get(f.step - 1).and_then(|st| st.hint.clone());
            ScenarioReport {
                hint: step_hint.or_else(|| s.hint.clone()),
                failure: Some(*f),
                ..report_for(s, Status::Failed, elapsed, None)
            }
        }
    }
}

/// What scenarios share while a suite runs.
#[derive(Debug, Default)]
struct Shared {
    /// Set once the server stops accepting connections: why, naming the scenario before.
    down: Option<String>,
    /// The last scenario that ran to a verdict.
    last: Option<String>,
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
    target: &Target,
    opts: &RunOptions,
    shared: &Mutex<Shared>,
) -> ScenarioReport {
    let s = &suite.scenarios[index];
    let start = Instant::now();
    if let Some(why) = skip_reason(s, opts) {
        return report_for(s, Status::Skipped, Duration::ZERO, Some(why.into()));
    }
    if let Some(why) = shared.lock().expect("not poisoned").down.clone() {
        return report_for(s, Status::NotRun, Duration::ZERO, Some(why));
    }
    if let Err(why) = probe(target.addr, opts.timeout_scale).await {
        let mut shared = shared.lock().expect("not poisoned");
        let why = match &shared.last {
            Some(id) => format!("the server went down after scenario `{id}` ({why})"),
            None => format!("the server went down ({why})"),
        };
        shared.down = Some(why.clone());
        return report_for(s, Status::NotRun, Duration::ZERO, Some(why));
    }
    let verdict = run_scenario(s, suite, target.addr, opts.seed, opts.timeout_scale).await;
    let report = report_of(s, verdict, start.elapsed());
    shared.lock().expect("not poisoned").last = Some(report.id.clone());
    report
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
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let selected: Vec<usize> = (0..suite.scenarios.len())
        .filter(|&i| selected(&suite.scenarios[i], opts))
        .collect();
    let unreachable = probe(target.addr, opts.timeout_scale).await.err();
    let shared = Arc::new(Mutex::new(Shared {
        down: unreachable
            .clone()
            .map(|why| format!("the server never answered ({why})")),
        last: None,
    }));
    let permits = Arc::new(Semaphore::new(opts.jobs.max(1)));
    // A server has one chat room: a scenario that sends MSG runs alone (write), others may
    // overlap (read), so no scenario sees another's FROM lines.
    let room = Arc::new(RwLock::new(()));
    let mut tasks = tokio::task::JoinSet::new();
    let mut reports = Collected {
        reports: vec![None; selected.len()],
        shown: 0,
    };
    for (order, &index) in selected.iter().enumerate() {
        // Taking the permit here, not in the task, starts scenarios in suite order.
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        let (room_write, room_read) = if suite.scenarios[index].broadcasts {
            (Some(room.clone().write_owned().await), None)
        } else {
            (None, Some(room.clone().read_owned().await))
        };
        let (suite, shared, opts, target) =
            (suite.clone(), shared.clone(), opts.clone(), target.clone());
        tasks.spawn(async move {
            let report = run_one(&suite, index, &target, &opts, &shared).await;
            drop((permit, room_write, room_read));
            (order, report)
        });
        while let Some(done) = tasks.try_join_next() {
            reports.collect(done, &on_done);
        }
    }
    while let Some(done) = tasks.join_next().await {
        reports.collect(done, &on_done);
    }
    let scenarios: Vec<ScenarioReport> = reports
        .reports
        .into_iter()
        .zip(&selected)
        .map(|(r, &i)| {
            r.unwrap_or_else(|| {
                report_for(
                    &suite.scenarios[i],
                    Status::Error,
                    Duration::ZERO,
                    Some("the harness failed while running this scenario".into()),
                )
            })
        })
        .collect();
    RunReport {
        schema_version: SCHEMA_VERSION,
        manifest: Manifest {
            tool: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            suite: suite.name.clone(),
            suite_title: suite.title.clone(),
            suite_hash: suite.hash.clone(),
            target: target.description.clone(),
            seed: opts.seed,
            options: opts.clone(),
            started_at,
            duration_ms: started.elapsed().as_millis() as u64,
        },
        unreachable,
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
    fn collect(
        &mut self,
        done: Result<(usize, ScenarioReport), tokio::task::JoinError>,
        on_done: &impl Fn(&ScenarioReport),
    ) {
        match done {
            Ok((order, report)) => self.reports[order] = Some(report),
            // A panicking scenario task is a harness bug; its scenario is reported as an error.
            Err(e) => eprintln!("conformance: internal error in a scenario task: {e}"),
        }
        while let Some(Some(next)) = self.reports.get(self.shown) {
            on_done(next);
            self.shown += 1;
        }
    }
}
