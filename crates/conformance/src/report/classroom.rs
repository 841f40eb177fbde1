//! The GitHub Classroom autograding result: the JSON its grader actions put, base64-encoded,
//! in their `result` output, which `autograding-grading-reporter` reads (from the environment
//! variable `<RUNNER>_RESULTS`) and sums into "Points X/Y".
//!
//! ```json
//! {"version": 1, "status": "fail", "max_score": 94,
//!  "tests": [{"name": "hello: HELLO is answered with WELCOME", "status": "pass", "score": 2,
//!             "message": "", "test_code": "conformance run --suite core --filter hello --seed 7",
//!             "filename": "010-hello.yaml", "line_no": 3, "duration": 12}]}
//! ```
//!
//! Students read all of it in the Actions log, so it is written from the student's view
//! (`report::student`): a hidden scenario is its title and result, nothing else. The reporter
//! adds up `score` over the tests and `max_score` over the runs: a bonus test carries its
//! points in `score` and the run's `max_score` leaves it out. `status` is `pass` or `fail` per
//! verdict and `error` where the scenario could not be run (the server was down, the time
//! limit, the harness), as the reporter expects of a timeout; the run is `error` when nothing
//! could be graded or it was stopped. `line_no` is always set.

use std::io::{self, Write};

use serde::Serialize;

use super::words;
use crate::outcome::{Points, RunReport, ScenarioReport, Status};

#[derive(Serialize)]
struct Result {
    version: u32,
    status: &'static str,
    max_score: Points,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    status: &'static str,
    score: Points,
    message: String,
    test_code: String,
    filename: String,
    line_no: u64,
    duration: u64,
}

fn status(r: &ScenarioReport) -> &'static str {
    match r.status {
        Status::Passed => "pass",
        Status::Failed => "fail",
        Status::NotRun | Status::Error | Status::Skipped => "error",
    }
}

fn test(r: &ScenarioReport, report: &RunReport) -> Test {
    let visible = r.visibility.is_visible();
    let mut name = if visible {
        format!("{}: {}", r.id, r.title)
    } else {
        r.title.clone()
    };
    if r.bonus {
        name += " (bonus)";
    }
    let message = match (&r.failure, words::no_verdict(r)) {
        (Some(_), _) => words::failure_text(r).trim_end().to_owned(),
        (None, Some(why)) => match &r.hint {
            Some(h) if r.status == Status::Failed => format!("{why}\nhint: {h}"),
            _ => why,
        },
        (None, None) if r.flaky => {
            format!("passed on attempt {} (it failed before: flaky)", r.attempts)
        }
        (None, None) => String::new(),
    };
    let m = &report.manifest;
    Test {
        name,
        status: status(r),
        score: r.points,
        message,
        test_code: if visible {
            format!(
                "conformance run --suite {} --filter {} --seed {}",
                m.suite, r.id, m.seed
            )
        } else {
            String::new()
        },
        filename: if visible {
            words::suite_file(&r.file)
        } else {
            String::new()
        },
        line_no: if visible { words::line(r) } else { 0 },
        duration: r.duration_ms,
    }
}

/// Writes the Classroom result of `report` (pass the student's view).
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    let tests: Vec<Test> = report
        .scenarios
        .iter()
        .filter(|r| r.status != Status::Skipped && !r.optional)
        .map(|r| test(r, report))
        .collect();
    let status = if report.unreachable.is_some() || report.stopped.is_some() {
        "error"
    } else if report.summary.all_passed() {
        "pass"
    } else {
        "fail"
    };
    let result = Result {
        version: 1,
        status,
        max_score: report.summary.max_points,
        tests,
    };
    serde_json::to_writer_pretty(&mut *w, &result)?;
    w.write_all(b"\n")
}
