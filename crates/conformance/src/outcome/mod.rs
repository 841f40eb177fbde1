//! What a run found, as data: a verdict per scenario, and for a failure the step, what it
//! expected, what was observed, which part differed and the traffic so far. The engine builds
//! these; `report` is the one place that turns them into words.
//!
//! A failed expectation is a verdict on the server (`failed`); a scenario the harness could not
//! run is `error`; scenarios after the server went down are `not_run`, not a wall of failures.

mod failure;
mod points;
mod program;
mod transcript;

pub use crate::scenario::Visibility;
pub use failure::{Expected, Mismatch, Observation, Peer, StepFailure};
pub use points::Points;
pub use program::{OutputExcerpt, ProgramReport};
pub use transcript::{Excerpt, Traffic, TranscriptEntry};

use serde::Serialize;

/// The version of the JSON report's structure; raised when a field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What ran, against what, with which options: enough to run it again.
    pub manifest: Manifest,
    /// Why nothing could be run, if the target never answered (or was not a valid address).
    pub unreachable: Option<String>,
    /// Why the run ended before every scenario had its verdict, if it did.
    pub stopped: Option<String>,
    /// The program the harness started once for the whole run, if it did.
    pub program: Option<ProgramReport>,
    /// One entry per selected scenario, in suite order.
    pub scenarios: Vec<ScenarioReport>,
    /// Counts and points.
    pub summary: Summary,
}

/// What ran, against what, with which options.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// `conformance`.
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// The suite's name.
    pub suite: String,
    /// The suite's one-line description.
    pub suite_title: String,
    /// SHA-256 of the suite's files: two runs with the same hash ran the same scenarios.
    pub suite_hash: String,
    /// The graded program, and what it is.
    pub target: String,
    /// The seed of the per-run random values (`--seed` replays it).
    pub seed: u64,
    /// Every option of the run.
    pub options: crate::engine::RunOptions,
    /// When the run started, RFC 3339, UTC.
    pub started_at: String,
    /// Wall time of the run.
    pub duration_ms: u64,
}

/// One scenario's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// The scenario's id.
    pub id: String,
    /// What it checks.
    pub title: String,
    /// The scenario file.
    pub file: String,
    /// The line of its `id`.
    pub line: u64,
    /// Spec requirement IDs it checks.
    pub requirements: Vec<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// Points earned: all or nothing, unless a rubric gives partial credit.
    pub points: Points,
    /// Points it is worth (a bonus scenario's are not in the run's maximum).
    pub max_points: Points,
    /// The verdict.
    pub status: Status,
    /// Wall time.
    pub duration_ms: u64,
    /// For `failed`: what went wrong, where.
    pub failure: Option<StepFailure>,
    /// For `error`, `skipped` and `not_run`: why.
    pub reason: Option<String>,
    /// What to fix, shown with a failure: the failing step's hint, else the scenario's.
    pub hint: Option<String>,
    /// The programs the harness started for this scenario alone.
    pub programs: Vec<ProgramReport>,
    /// Reported, not required: its verdict and points do not count.
    pub optional: bool,
    /// Who sees its details (`visible` is not written).
    #[serde(skip_serializing_if = "Visibility::is_visible")]
    pub visibility: Visibility,
    /// A bonus scenario (a rubric's SHOULD): its points come on top of the maximum.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bonus: bool,
    /// Partial credit a rubric gave for the checks that passed before the failing step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<PartialCredit>,
    /// How many times it ran (`--rerun-failed`), when more than once.
    #[serde(skip_serializing_if = "is_one")]
    pub attempts: u32,
    /// It failed, then passed when run again: reported apart from the failures.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
}

/// Credit for part of a failed scenario: the checks that passed before the failing step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartialCredit {
    /// Checks that passed.
    pub checks_passed: usize,
    /// Checks of the scenario.
    pub checks: usize,
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn no_points(p: &Points) -> bool {
    p.is_zero()
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A scenario's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every step passed.
    Passed,
    /// A step failed: a verdict on the server.
    Failed,
    /// The harness could not run the scenario (not the server's fault).
    Error,
    /// Not selected for this target (e.g. UDP scenarios without `--udp`).
    Skipped,
    /// Not run because the server had stopped answering.
    NotRun,
}

/// Counts and points of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios that failed.
    pub failed: usize,
    /// Scenarios the harness could not run.
    pub errors: usize,
    /// Scenarios skipped.
    pub skipped: usize,
    /// Scenarios not run: the server was down.
    pub not_run: usize,
    /// Points earned, bonus included.
    pub points: Points,
    /// Points of the counted scenarios (bonus ones are not).
    pub max_points: Points,
    /// Of `points`, those earned by bonus scenarios.
    #[serde(skip_serializing_if = "no_points")]
    pub bonus_points: Points,
    /// Scenarios that failed, then passed when run again.
    #[serde(skip_serializing_if = "is_zero")]
    pub flaky: usize,
    /// Optional scenarios that passed (not counted above).
    pub optional_passed: usize,
    /// Optional scenarios that did not pass (not counted above).
    pub optional_failed: usize,
}

impl Summary {
    /// Tallies the scenarios. Skipped scenarios, those the harness could not run (`error`: never
    /// a point taken from the program), optional and bonus ones do not count towards the
    /// maximum; a bonus scenario's points count towards the score.
    pub fn of(scenarios: &[ScenarioReport]) -> Summary {
        let mut s = Summary::default();
        for r in scenarios {
            if r.optional {
                match r.status {
                    Status::Passed => s.optional_passed += 1,
                    Status::Failed => s.optional_failed += 1,
                    _ => {}
                }
                continue;
            }
            match r.status {
                Status::Passed => s.passed += 1,
                Status::Failed => s.failed += 1,
                Status::Error => s.errors += 1,
                Status::Skipped => s.skipped += 1,
                Status::NotRun => s.not_run += 1,
            }
            s.flaky += usize::from(r.flaky);
            if !matches!(r.status, Status::Skipped | Status::Error) {
                s.points += r.points;
                if r.bonus {
                    s.bonus_points += r.points;
                } else {
                    s.max_points += r.max_points;
                }
            }
        }
        s
    }

    /// Whether every counted scenario passed.
    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.errors == 0 && self.not_run == 0
    }
}
