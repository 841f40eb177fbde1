//! Running a suite against a program the harness starts, and checking that nothing it started
//! is left running afterwards.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use conformance::engine::{ProgramPlan, RunOptions, Subject, run_suite_until};
use conformance::outcome::{RunReport, Status};
use conformance::program::Spec;
use conformance::report::words;
use conformance::scenario::Suite;

use super::{one_at_a_time, repo};

/// A mark in the environment of every program a test starts, to find any left running.
const MARK: &str = "SPAWNED_TEST_MARK";

/// A suite of the repository's `conformance/` or `fixtures/`, by its folder.
pub fn suite_at(folder: &str) -> Suite {
    conformance::scenario::load_suite(&repo().join(folder)).expect("the suite loads")
}

/// Runs `suite` against `command`, started in a copy of `cwd` with the suite's files.
pub fn run_program(suite: Suite, command: &str, cwd: &Path, opts: RunOptions) -> RunReport {
    let _serial = one_at_a_time();
    let mark = format!("{}-{}", suite.name, std::process::id());
    let mut spec = Spec::new(command, cwd);
    for f in &suite.files {
        match &f.symlink {
            Some(to) => spec.links.push((f.path.clone(), to.clone())),
            None => spec.files.push((f.path.clone(), f.content.clone())),
        }
    }
    spec.env.push((MARK.to_owned(), mark.clone()));
    let plan = ProgramPlan {
        spec,
        fixed_port: None,
        settings: suite.program.clone(),
        grace: Duration::from_secs(2),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let subject = Subject::Program(Arc::new(plan));
    let report = runtime.block_on(run_suite_until(
        Arc::new(suite),
        &subject,
        &opts,
        &conformance::engine::Quiet,
        std::future::pending(),
    ));
    assert_eq!(
        left_running(&mark),
        Vec::<u32>::new(),
        "processes left running"
    );
    report
}

/// Processes whose environment holds the mark.
pub fn left_running(mark: &str) -> Vec<u32> {
    let needle = format!("{MARK}={mark}");
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == needle.as_bytes()))
        })
        .collect()
}

pub fn fixture(path: &str) -> PathBuf {
    repo().join(path)
}

pub fn python(script: &Path, args: &str) -> String {
    format!("python3 {} {args}", script.display())
}

pub fn passes(report: &RunReport) {
    let bad: Vec<String> = report
        .scenarios
        .iter()
        .filter(|r| !matches!(r.status, Status::Passed | Status::Skipped))
        .map(|r| {
            let why = r.failure.as_ref().map_or_else(
                || r.reason.clone().unwrap_or_default(),
                |f| format!("{} / {}", words::expected(&f.expected), words::got(f)),
            );
            format!("{} {:?}: {why}", r.id, r.status)
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}\n{:?}", report.unreachable);
}

/// The scenarios `command`, started in a copy of `cwd`, does not pass against the suite of the
/// repository folder `suite`.
pub fn failures_of(suite: &str, command: &str, cwd: &Path, opts: RunOptions) -> Vec<String> {
    not_passed(&run_program(suite_at(suite), command, cwd, opts))
}

/// A program answering in other words than the lab's fails `scenario` (run alone), and passes
/// every scenario once the instructor gives its words as the suite variable `var`.
pub fn passes_in_the_instructors_words(
    graded: impl Fn(RunOptions) -> RunReport,
    scenario: &str,
    var: (&str, &str),
) {
    let alone = RunOptions {
        filter: vec![scenario.to_owned()],
        ..RunOptions::default()
    };
    assert_eq!(not_passed(&graded(alone)), [scenario]);
    let theirs = RunOptions {
        vars: vec![(var.0.to_owned(), var.1.to_owned())],
        ..RunOptions::default()
    };
    assert_eq!(not_passed(&graded(theirs)), Vec::<String>::new());
}

/// The ids of the scenarios that did not pass (optional ones included), in suite order.
pub fn not_passed(report: &RunReport) -> Vec<String> {
    report
        .scenarios
        .iter()
        .filter(|r| !matches!(r.status, Status::Passed | Status::Skipped))
        .map(|r| r.id.clone())
        .collect()
}
