//! `--rerun-failed N`: run the scenarios that failed (or were not run) again, up to N more
//! times, each time against a fresh start of the subject. A scenario that passes on a later
//! attempt is `passed` and `flaky`, reported apart from the failures; one that never passes
//! keeps its first failure, the one its seed reproduces (or its first real failure, when it
//! was first not run because the program had gone down).

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use crate::engine::{Observer, RunOptions, Subject, run_suite_until};
use crate::outcome::{RunReport, ScenarioReport, Status, Summary};
use crate::scenario::Suite;

/// Whether a verdict is worth another attempt: a counted scenario that did not pass.
fn worth_retrying(r: &ScenarioReport) -> bool {
    !r.optional && matches!(r.status, Status::Failed | Status::NotRun)
}

/// Reruns the failures of `report` up to `times` more times; `stop` gives each attempt the
/// future that ends it early (a signal, the time limit). Every verdict of a rerun goes to
/// `observer`.
pub async fn rerun_failed<F, Fut>(
    suite: &Arc<Suite>,
    subject: &Subject,
    opts: &RunOptions,
    report: &mut RunReport,
    times: u32,
    observer: &impl Observer,
    stop: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = String>,
{
    let started = std::time::Instant::now();
    for attempt in 2..=times.saturating_add(1) {
        let again: HashSet<String> = report
            .scenarios
            .iter()
            .filter(|r| worth_retrying(r))
            .map(|r| r.id.clone())
            .collect();
        if again.is_empty() || report.stopped.is_some() {
            break;
        }
        let subset = Suite {
            scenarios: suite
                .scenarios
                .iter()
                .filter(|s| again.contains(&s.id))
                .cloned()
                .collect(),
            ..(**suite).clone()
        };
        let retry = run_suite_until(Arc::new(subset), subject, opts, observer, stop()).await;
        merge(report, retry, attempt);
    }
    report.summary = Summary::of(&report.scenarios);
    report.manifest.duration_ms += started.elapsed().as_millis() as u64;
}

/// Takes the verdicts of attempt `attempt` into `report`.
fn merge(report: &mut RunReport, retry: RunReport, attempt: u32) {
    for r2 in retry.scenarios {
        let Some(r) = report.scenarios.iter_mut().find(|r| r.id == r2.id) else {
            continue;
        };
        let flaky = r2.status == Status::Passed;
        // A pass makes it flaky; a real failure tells more than "not run".
        if flaky || (r.status == Status::NotRun && r2.status == Status::Failed) {
            *r = ScenarioReport {
                flaky,
                visibility: r.visibility,
                ..r2
            };
        }
        r.attempts = attempt;
    }
    if retry.stopped.is_some() {
        report.stopped = retry.stopped;
    }
    // A program that never got ready, then did: the run reached it after all.
    if report.unreachable.is_some() && retry.unreachable.is_none() {
        report.unreachable = None;
        report.program = retry.program;
    }
}
