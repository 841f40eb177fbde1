//! Gradescope autograder `results.json`: one test per counted scenario with its points, what
//! went wrong as the test's output, and the total score.
//!
//! Only the fields Gradescope documents, with the values it documents: `status` is `passed` or
//! `failed`, nothing else. A scenario the server was not up for (`not_run`) or that the
//! harness could not run is there, `failed` with its `max_score` and an output that says why:
//! a crash costs the points it hides, visibly. Skipped scenarios (not for this target) are
//! left out, as they do not count toward the maximum. Students read every word of it, so no
//! path of the grading machine appears: files are named relative to the suite folder.
//!
//! Each test carries its scenario's `visibility`; Gradescope shows a student nothing of a
//! hidden test, and the total only when no test is hidden. When any scenario is not visible,
//! `stdout_visibility` is `hidden` (the autograder's log holds every failure in full), else
//! `visible`. A bonus scenario is a test with `max_score` 0 (Gradescope's extra credit).
//!
//! ```json
//! {"score": 40, "execution_time": 12, "output": "...", "output_format": "text",
//!  "extra_data": {"tool": "conformance", "version": "0.1.0", "suite": "core", "suite_hash": "...", "seed": 1234},
//!  "tests": [{"name": "hello (HELLO-1)", "number": "1", "score": 2, "max_score": 2, "status": "passed", ...}]}
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::words;
use crate::outcome::{Points, RunReport, ScenarioReport, Status};

#[derive(Serialize)]
struct Results {
    score: Points,
    execution_time: u64,
    output: String,
    output_format: &'static str,
    visibility: &'static str,
    stdout_visibility: &'static str,
    extra_data: ExtraData,
    tests: Vec<Test>,
}

/// What reruns the grading: instructors see it in Gradescope's raw results.
#[derive(Serialize)]
struct ExtraData {
    tool: String,
    version: String,
    suite: String,
    suite_hash: String,
    seed: u64,
}

#[derive(Serialize)]
struct Test {
    name: String,
    number: String,
    score: Points,
    max_score: Points,
    status: &'static str,
    output: String,
    output_format: &'static str,
    tags: Vec<String>,
    visibility: &'static str,
}

/// What a student reads under a test: the failure in full, why it was not graded, or what
/// the scenario checks when it passed.
fn test_output(r: &ScenarioReport) -> String {
    match (&r.failure, words::no_verdict(r)) {
        (Some(_), _) => words::failure_text(r).trim_end().to_owned(),
        (None, Some(why)) => format!(
            "{why}\n(scenario {}, {}:{})",
            r.id,
            words::suite_file(&r.file),
            r.line
        ),
        (None, None) => r.title.clone(),
    }
}

fn test(number: usize, r: &ScenarioReport) -> Test {
    Test {
        name: test_name(r),
        number: number.to_string(),
        score: r.points,
        max_score: if r.bonus { Points::ZERO } else { r.max_points },
        // Gradescope knows two: anything but a pass is a failed test.
        status: if r.status == Status::Passed {
            "passed"
        } else {
            "failed"
        },
        output: test_output(r),
        output_format: "text",
        tags: r.tags.clone(),
        visibility: r.visibility.as_str(),
    }
}

/// `id (REQS)`, `id` without requirements, `(bonus)` after a bonus scenario.
fn test_name(r: &ScenarioReport) -> String {
    let mut name = r.id.clone();
    if !r.requirements.is_empty() {
        name += &format!(" ({})", r.requirements.join(", "));
    }
    if r.bonus {
        name += " (bonus)";
    }
    if r.flaky {
        name += " (flaky)";
    }
    name
}

/// The text above the tests: score, counts, the seed, and why nothing ran if the server never
/// answered.
fn run_output(report: &RunReport) -> String {
    let s = &report.summary;
    let seed = report.manifest.seed;
    let mut out = format!(
        "{} of {} points. {} passed, {} failed, {} not run. Seed {seed} (rerun with --seed {seed} to replay).",
        s.points,
        s.max_points,
        s.passed,
        s.failed + s.errors,
        s.not_run,
    );
    if !s.bonus_points.is_zero() {
        out += &format!(" Bonus: {} of them.", s.bonus_points);
    }
    if s.flaky > 0 {
        out += &format!(
            " {} scenario(s) failed, then passed when run again (flaky).",
            s.flaky
        );
    }
    if let Some(why) = &report.unreachable {
        out += &format!("\nThe server could not be reached: {why}. No scenario was run.");
        // Nothing ran, so nothing hidden shows: what the program printed (its traceback) is
        // what the student needs.
        if let Some(p) = &report.program {
            out += &format!("\n{}", words::program(p).trim_end());
        }
    }
    out
}

/// Writes Gradescope's `results.json`.
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    let tests = report
        .scenarios
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != Status::Skipped)
        .map(|(i, r)| test(i + 1, r))
        .collect();
    let m = &report.manifest;
    let results = Results {
        score: report.summary.points,
        execution_time: m.duration_ms / 1000,
        output: run_output(report),
        output_format: "text",
        visibility: "visible",
        stdout_visibility: if report.scenarios.iter().all(|r| r.visibility.is_visible()) {
            "visible"
        } else {
            "hidden"
        },
        extra_data: ExtraData {
            tool: m.tool.clone(),
            version: m.version.clone(),
            suite: m.suite.clone(),
            suite_hash: m.suite_hash.clone(),
            seed: m.seed,
        },
        tests,
    };
    serde_json::to_writer_pretty(&mut *w, &results)?;
    w.write_all(b"\n")
}
