//! Gradescope autograder `results.json`: one test per scenario with its points, the failure
//! text as the test's output, and the total score.
//!
//! ```json
//! {"score": 40, "execution_time": 12, "output": "...", "tests": [
//!   {"name": "hello (HELLO-1)", "number": "1", "score": 2, "max_score": 2, "status": "passed"}]}
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::human;
use crate::outcome::{RunReport, Status};

#[derive(Serialize)]
struct Results {
    score: u32,
    execution_time: u64,
    output: String,
    output_format: &'static str,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    number: String,
    score: u32,
    max_score: u32,
    status: &'static str,
    output: String,
    output_format: &'static str,
    tags: Vec<String>,
    visibility: &'static str,
}

/// Writes Gradescope's `results.json`.
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    let tests = report
        .scenarios
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != Status::Skipped)
        .map(|(i, r)| {
            let output = match (&r.failure, &r.reason) {
                (Some(_), _) => human::failure_block(r, human::Style { color: false })
                    .trim()
                    .to_owned(),
                (None, Some(reason)) => format!("not run: {reason}"),
                (None, None) => r.title.clone(),
            };
            Test {
                name: format!("{} ({})", r.id, r.requirements.join(", ")),
                number: (i + 1).to_string(),
                score: r.points,
                max_score: r.max_points,
                status: if r.status == Status::Passed {
                    "passed"
                } else {
                    "failed"
                },
                output,
                output_format: "text",
                tags: r.tags.clone(),
                visibility: "visible",
            }
        })
        .collect();
    let s = &report.summary;
    let results = Results {
        score: s.points,
        execution_time: report.manifest.duration_ms / 1000,
        output: format!(
            "{} of {} points. {} passed, {} failed, {} not run. Seed {} (rerun with --seed {} to replay).",
            s.points,
            s.max_points,
            s.passed,
            s.failed + s.errors,
            s.not_run,
            report.manifest.seed,
            report.manifest.seed
        ),
        output_format: "text",
        tests,
    };
    serde_json::to_writer_pretty(&mut *w, &results)?;
    w.write_all(b"\n")
}
