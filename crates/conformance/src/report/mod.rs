//! The result of a run, and one writer per output format.
//!
//! A failed expectation is a verdict on the server (`failed`); a scenario the harness could not
//! run is `error`; scenarios after the server went down are `not_run`, not a wall of failures.

pub mod gradescope;
pub mod human;
pub mod json;
pub mod junit;
pub mod tap;

use serde::Serialize;

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The suite's name.
    pub suite: String,
    /// The suite's one-line description.
    pub suite_title: String,
    /// The graded server's address, and what it is.
    pub target: String,
    /// The seed of the per-run random values (`--seed` replays it).
    pub seed: u64,
    /// The deadline multiplier.
    pub timeout_scale: f64,
    /// Wall time of the run.
    pub duration_ms: u64,
    /// Why nothing could be run, if the target never answered.
    pub unreachable: Option<String>,
    /// One entry per selected scenario, in suite order.
    pub scenarios: Vec<ScenarioReport>,
    /// Counts and points.
    pub summary: Summary,
}

/// One scenario's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub id: String,
    pub title: String,
    /// The scenario file and the line of its `id`.
    pub file: String,
    pub line: u64,
    pub requirements: Vec<String>,
    pub tags: Vec<String>,
    /// Points earned: all or nothing.
    pub points: u32,
    pub max_points: u32,
    pub status: Status,
    pub duration_ms: u64,
    /// For `failed` and `error`: what went wrong, where.
    pub failure: Option<Failure>,
    /// For `skipped` and `not_run`: why.
    pub reason: Option<String>,
    /// What to fix, shown with a failure.
    pub hint: Option<String>,
}

/// A scenario's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// The harness could not run the scenario (not the server's fault).
    Error,
    /// Not selected for this target (e.g. UDP scenarios without `--udp`).
    Skipped,
    /// Not run because the server had stopped answering.
    NotRun,
}

impl Status {
    /// The status as a short word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "pass",
            Status::Failed => "FAIL",
            Status::Error => "ERROR",
            Status::Skipped => "skip",
            Status::NotRun => "not run",
        }
    }
}

/// Where and how a scenario failed.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// 1-based step number.
    pub step: usize,
    /// `file:line:col` of the step.
    pub location: String,
    /// What the step did, e.g. `expect on alice`.
    pub action: String,
    /// What the step needed.
    pub expected: String,
    /// What happened instead.
    pub got: String,
    /// The bytes that came back, escaped, when there were any.
    pub bytes: Option<String>,
    /// A hexdump of those bytes when they are not plain text.
    pub hexdump: Option<String>,
    /// The scenario's traffic up to the failure.
    pub transcript: Vec<TranscriptEntry>,
}

/// One line of a transcript.
#[derive(Debug, Clone, Serialize)]
pub struct TranscriptEntry {
    pub conn: String,
    pub direction: Direction,
    /// Escaped bytes, or a note.
    pub bytes: String,
}

/// Which way a transcript entry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Sent,
    Received,
    Note,
}

/// Counts and points of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    pub not_run: usize,
    pub points: u32,
    pub max_points: u32,
}

impl Summary {
    /// Tallies the scenarios. Skipped scenarios do not count towards the maximum.
    pub fn of(scenarios: &[ScenarioReport]) -> Summary {
        let mut s = Summary::default();
        for r in scenarios {
            match r.status {
                Status::Passed => s.passed += 1,
                Status::Failed => s.failed += 1,
                Status::Error => s.errors += 1,
                Status::Skipped => s.skipped += 1,
                Status::NotRun => s.not_run += 1,
            }
            if r.status != Status::Skipped {
                s.points += r.points;
                s.max_points += r.max_points;
            }
        }
        s
    }

    /// Whether every counted scenario passed.
    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.errors == 0 && self.not_run == 0
    }
}

/// A classic 16-bytes-a-line hexdump of at most `max` bytes.
pub fn hexdump(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for (i, row) in bytes[..bytes.len().min(max)].chunks(16).enumerate() {
        let hex: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = row
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect();
        out += &format!("{:08x}  {:<47}  |{ascii}|\n", i * 16, hex.join(" "));
    }
    if bytes.len() > max {
        out += &format!("... {} more bytes\n", bytes.len() - max);
    }
    out
}
