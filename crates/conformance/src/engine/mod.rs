//! Running a suite against a target: selection, a liveness probe before each scenario,
//! `--jobs` concurrency, and the run report.

mod conn;
mod expect;
mod scenario;
mod vars;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{RwLock, Semaphore};
use tokio::time::Instant;

pub use conn::HARNESS_LIMITS;
pub use scenario::run_scenario;

use crate::report::{Failure, RunReport, ScenarioReport, Status, Summary};
use crate::scenario::{Scenario, Suite};

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Multiplies every deadline (slow grading machines).
    pub timeout_scale: f64,
    /// Seed of the per-run random values.
    pub seed: u64,
    /// Scenarios run at once.
    pub jobs: usize,
    /// Whether the target serves UDP on its port.
    pub udp: bool,
    /// Only scenarios whose id contains one of these.
    pub filter: Vec<String>,
    /// Only scenarios with one of these tags.
    pub tags: Vec<String>,
    /// Also run scenarios tagged `slow` (they wait out the spec's minimum timeouts).
    pub slow: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeout_scale: 1.0,
            seed: 0,
            jobs: 1,
            udp: false,
            filter: Vec::new(),
            tags: Vec::new(),
            slow: false,
        }
    }
}

/// The server being graded.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its address.
    pub addr: SocketAddr,
    /// How to name it in reports.
    pub description: String,
}

/// Whether `scenario` is selected by the filters.
pub fn selected(scenario: &Scenario, opts: &RunOptions) -> bool {
    let by_id =
        opts.filter.is_empty() || opts.filter.iter().any(|f| scenario.id.contains(f.as_str()));
    let by_tag = opts.tags.is_empty() || opts.tags.iter().any(|t| scenario.tags.contains(t));
    by_id && by_tag
}

/// Is the server still up? It is down when a connection is refused or times out, or when the
/// connection is reset before anything comes back (a process dying with the probe queued in its
/// backlog). An answer, an orderly close or silence all count as up: a server that does not
/// support `PING`, or that hangs, is still graded scenario by scenario. `Err` says why it is down.
pub async fn probe(addr: SocketAddr, scale: f64) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let deadline = Instant::now() + Duration::from_secs(2).mul_f64(scale);
    let mut stream =
        match tokio::time::timeout_at(deadline, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(format!("cannot connect to {addr}: {e}")),
            Err(_) => {
                return Err(format!(
                    "cannot connect to {addr}: no answer within {:.1} s",
                    2.0 * scale
                ));
            }
        };
    let listen = Instant::now() + Duration::from_millis(250).mul_f64(scale);
    let mut byte = [0u8; 1];
    let reset = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
        )
    };
    if let Err(e) = stream.write_all(b"PING\n").await {
        return if reset(&e) {
            Err(format!("{addr} reset the connection"))
        } else {
            Ok(())
        };
    }
    match tokio::time::timeout_at(listen, stream.read(&mut byte)).await {
        Ok(Err(e)) if reset(&e) => Err(format!("{addr} accepted, then reset the connection")),
        _ => Ok(()),
    }
}

fn report_for(
    s: &Scenario,
    status: Status,
    elapsed: Duration,
    failure: Option<Failure>,
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
        hint: if failure.is_some() {
            s.hint.clone()
        } else {
            None
        },
        failure,
        reason,
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

async fn run_one(
    suite: &Suite,
    index: usize,
    addr: SocketAddr,
    opts: &RunOptions,
    shared: &Mutex<Shared>,
) -> ScenarioReport {
    let s = &suite.scenarios[index];
    let start = Instant::now();
    if s.tags.iter().any(|t| t == "slow") && !opts.slow && !opts.tags.iter().any(|t| t == "slow") {
        return report_for(
            s,
            Status::Skipped,
            Duration::ZERO,
            None,
            Some("slow: waits out a spec minimum (pass --slow)".into()),
        );
    }
    if s.needs_udp() && !opts.udp {
        return report_for(
            s,
            Status::Skipped,
            Duration::ZERO,
            None,
            Some("the target does not serve UDP (pass --udp if it does)".into()),
        );
    }
    if let Some(why) = shared.lock().expect("not poisoned").down.clone() {
        return report_for(s, Status::NotRun, Duration::ZERO, None, Some(why));
    }
    if let Err(why) = probe(addr, opts.timeout_scale).await {
        let mut shared = shared.lock().expect("not poisoned");
        let why = match &shared.last {
            Some(id) => format!("the server went down after scenario `{id}` ({why})"),
            None => format!("the server went down ({why})"),
        };
        shared.down = Some(why.clone());
        return report_for(s, Status::NotRun, Duration::ZERO, None, Some(why));
    }
    let report = match run_scenario(s, suite, addr, opts.seed, opts.timeout_scale).await {
        Ok(()) => report_for(s, Status::Passed, start.elapsed(), None, None),
        Err(f) => report_for(s, Status::Failed, start.elapsed(), Some(f), None),
    };
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
        let alone = suite.scenarios[index].broadcasts();
        let (room_write, room_read) = if alone {
            (Some(room.clone().write_owned().await), None)
        } else {
            (None, Some(room.clone().read_owned().await))
        };
        let (suite, shared, opts, addr) =
            (suite.clone(), shared.clone(), opts.clone(), target.addr);
        tasks.spawn(async move {
            let report = run_one(&suite, index, addr, &opts, &shared).await;
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
                    None,
                    Some("the harness failed while running this scenario".into()),
                )
            })
        })
        .collect();
    RunReport {
        suite: suite.name.clone(),
        suite_title: suite.title.clone(),
        target: target.description.clone(),
        seed: opts.seed,
        timeout_scale: opts.timeout_scale,
        duration_ms: started.elapsed().as_millis() as u64,
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
