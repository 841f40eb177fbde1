//! What a class did: which scenarios failed across it, how scores spread, and which
//! submissions never started. Printed at the end of `grade` and drawn in `index.html`.
//!
//! ```text
//! class: 9 students, 6 graded, 2 did not start, 1 stopped; median 80.9%, mean 61.2%
//! scores:   0-10% ██ 2
//!          ...
//! failed most:
//!   relay-to-others             4 of 7   MSG is relayed to every other client
//! did not start:
//!   carol   your program exited with status 1 before it listened on port 40123 (...)
//! ```

use serde::Serialize;

use super::result::{StudentResult, StudentStatus};
use crate::outcome::Status;

/// The buckets of the score histogram: 0-10%, ..., 80-90%, 90%+ (bonus points can take a
/// score past 100%).
pub const BUCKETS: usize = 10;

/// A class's results, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct ClassSummary {
    /// Students in the gradebook.
    pub students: usize,
    /// Students with a graded run (passed or failed).
    pub graded: usize,
    /// Students by score share, in [`BUCKETS`] buckets of 10 percentage points.
    pub histogram: [usize; BUCKETS],
    /// Mean score, percent of the maximum.
    pub mean: f64,
    /// Median score, percent of the maximum.
    pub median: f64,
    /// Scenarios that did not pass for some student, most failed first.
    pub scenarios: Vec<ScenarioStats>,
    /// Students whose program never listened, with why.
    pub did_not_start: Vec<(String, String)>,
    /// Students not fully graded for another reason (unreachable, stopped, grader error).
    pub not_graded: Vec<(String, String)>,
    /// Students with flaky scenarios, and which.
    pub flaky: Vec<(String, Vec<String>)>,
}

/// One scenario across the class.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioStats {
    /// The scenario's id.
    pub id: String,
    /// What it checks.
    pub title: String,
    /// Students for whom it failed (or was not run while the program was up).
    pub failed: usize,
    /// Students for whom it ran at all (passed, failed or not run).
    pub attempted: usize,
    /// Students for whom it was flaky.
    pub flaky: usize,
}

impl ClassSummary {
    /// The summary of `results`. Scenario failures are counted over students whose program
    /// started: a program that never listened fails everything, and says so elsewhere.
    pub fn of(results: &[StudentResult]) -> ClassSummary {
        let mut histogram = [0; BUCKETS];
        let mut shares: Vec<f64> = results.iter().map(StudentResult::percent).collect();
        for p in &shares {
            let bucket = ((p / 10.0).floor() as usize).min(BUCKETS - 1);
            histogram[bucket] += 1;
        }
        shares.sort_by(f64::total_cmp);
        let mean = if shares.is_empty() {
            0.0
        } else {
            shares.iter().sum::<f64>() / shares.len() as f64
        };
        let median = match shares.len() {
            0 => 0.0,
            n if n % 2 == 1 => shares[n / 2],
            n => (shares[n / 2 - 1] + shares[n / 2]) / 2.0,
        };
        ClassSummary {
            students: results.len(),
            graded: results
                .iter()
                .filter(|r| matches!(r.status, StudentStatus::Passed | StudentStatus::Failed))
                .count(),
            histogram,
            mean,
            median,
            scenarios: scenario_stats(results),
            did_not_start: results
                .iter()
                .filter(|r| r.status == StudentStatus::DidNotStart)
                .map(|r| (r.student.clone(), r.reason.clone().unwrap_or_default()))
                .collect(),
            not_graded: with_status(
                results,
                &[
                    StudentStatus::Unreachable,
                    StudentStatus::Stopped,
                    StudentStatus::Error,
                ],
            ),
            flaky: results
                .iter()
                .filter(|r| !r.flaky().is_empty())
                .map(|r| {
                    let ids = r.flaky().into_iter().map(str::to_owned).collect();
                    (r.student.clone(), ids)
                })
                .collect(),
        }
    }

    /// The summary as terminal text.
    pub fn text(&self) -> String {
        let mut out = format!(
            "class: {} student(s), {} graded, {} did not start, {} not fully graded; median {:.1}%, mean {:.1}%\n",
            self.students,
            self.graded,
            self.did_not_start.len(),
            self.not_graded.len(),
            self.median,
            self.mean
        );
        let widest = self.histogram.iter().copied().max().unwrap_or(0).max(1);
        out += "scores:\n";
        for (i, n) in self.histogram.iter().enumerate().rev() {
            let bar = "#".repeat((n * 30).div_ceil(widest));
            let range = if i + 1 == BUCKETS {
                format!("{}%+", i * 10)
            } else {
                format!("{}-{}%", i * 10, i * 10 + 10)
            };
            out += &format!("  {range:>8} {bar:<30} {n}\n");
        }
        if !self.scenarios.is_empty() {
            out += "failed most (students whose program started):\n";
        }
        for s in self.scenarios.iter().take(15) {
            out += &format!(
                "  {:<34} {:>3} of {:<3} {}\n",
                s.id, s.failed, s.attempted, s.title
            );
        }
        for (title, list) in [
            ("did not start", &self.did_not_start),
            ("not fully graded", &self.not_graded),
        ] {
            if !list.is_empty() {
                out += &format!("{title}:\n");
            }
            for (student, why) in list {
                out += &format!("  {student:<16} {why}\n");
            }
        }
        if !self.flaky.is_empty() {
            out += "flaky (failed, then passed when run again):\n";
        }
        for (student, ids) in &self.flaky {
            out += &format!("  {student:<16} {}\n", ids.join(", "));
        }
        out
    }
}

fn with_status(results: &[StudentResult], statuses: &[StudentStatus]) -> Vec<(String, String)> {
    results
        .iter()
        .filter(|r| statuses.contains(&r.status))
        .map(|r| {
            let why = r.reason.clone().unwrap_or_default();
            (r.student.clone(), format!("{}: {why}", r.status.as_str()))
        })
        .collect()
}

fn scenario_stats(results: &[StudentResult]) -> Vec<ScenarioStats> {
    let mut stats: Vec<ScenarioStats> = Vec::new();
    let started = results.iter().filter(|r| {
        !matches!(
            r.status,
            StudentStatus::DidNotStart | StudentStatus::Unreachable | StudentStatus::Error
        )
    });
    for r in started {
        for g in r.scenarios.iter().filter(|g| !g.optional) {
            let i = match stats.iter().position(|s| s.id == g.id) {
                Some(i) => i,
                None => {
                    stats.push(ScenarioStats {
                        id: g.id.clone(),
                        title: g.title.clone(),
                        failed: 0,
                        attempted: 0,
                        flaky: 0,
                    });
                    stats.len() - 1
                }
            };
            let s = &mut stats[i];
            if matches!(g.status, Status::Passed | Status::Failed | Status::NotRun) {
                s.attempted += 1;
            }
            if matches!(g.status, Status::Failed | Status::NotRun) {
                s.failed += 1;
            }
            s.flaky += usize::from(g.flaky);
        }
    }
    stats.retain(|s| s.failed > 0 || s.flaky > 0);
    // Most failed first; suite order among equals (a stable sort keeps it).
    stats.sort_by_key(|s| std::cmp::Reverse(s.failed));
    stats
}
