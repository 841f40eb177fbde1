//! One student's grade, as the gradebook needs it: `grade.json` in the student's report folder.
//! The run report has everything; this is the part a class is summarised from, read back by
//! `grade` after each run and by `grade merge` from every slice.

use serde::{Deserialize, Serialize};

use crate::outcome::{Points, RunReport, Status, Visibility};

/// How grading a student went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentStatus {
    /// Every counted scenario passed.
    Passed,
    /// Graded; some scenario did not pass.
    Failed,
    /// The program never listened: it crashed, hung or listened elsewhere.
    DidNotStart,
    /// The running server (`target`) could not be reached.
    Unreachable,
    /// The student's time limit ran out (or the grading was stopped): partly graded.
    Stopped,
    /// The grader could not grade it (no report came back).
    Error,
}

impl StudentStatus {
    /// The word in gradebooks.
    pub fn as_str(self) -> &'static str {
        match self {
            StudentStatus::Passed => "passed",
            StudentStatus::Failed => "failed",
            StudentStatus::DidNotStart => "did_not_start",
            StudentStatus::Unreachable => "unreachable",
            StudentStatus::Stopped => "stopped",
            StudentStatus::Error => "error",
        }
    }
}

/// One scenario's grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioGrade {
    /// The scenario's id.
    pub id: String,
    /// What it checks.
    pub title: String,
    /// The verdict.
    pub status: Status,
    /// Points earned.
    pub points: Points,
    /// Points it is worth.
    pub max_points: Points,
    /// Whether it is a bonus scenario.
    #[serde(default)]
    pub bonus: bool,
    /// Reported, not counted.
    #[serde(default)]
    pub optional: bool,
    /// It failed, then passed when run again.
    #[serde(default)]
    pub flaky: bool,
    /// Who sees its details.
    #[serde(default)]
    pub visibility: Visibility,
}

/// A student's grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentResult {
    /// The student, as the roster names them.
    pub student: String,
    /// How grading went.
    pub status: StudentStatus,
    /// Points earned, bonus included.
    pub score: Points,
    /// Points of the required scenarios.
    pub max: Points,
    /// Of `score`, bonus points.
    pub bonus: Points,
    /// Why it did not start, was not reached, stopped or could not be graded.
    pub reason: Option<String>,
    /// Every selected scenario, in suite order.
    pub scenarios: Vec<ScenarioGrade>,
    /// When grading started (RFC 3339) and how long it took.
    pub started_at: String,
    /// Wall time of the student's run, reruns included.
    pub duration_ms: u64,
    /// The tool's version.
    pub version: String,
    /// The suite and its hash.
    pub suite: String,
    /// SHA-256 of the suite's files.
    pub suite_hash: String,
    /// The seed every student was graded with.
    pub seed: u64,
    /// The exact command that graded this student.
    pub command: String,
    /// The command that grades this student again and prints the report: for disputes.
    pub rerun: String,
}

impl StudentResult {
    /// The grade a run report gives.
    pub fn of(student: &str, report: &RunReport, spawned: bool) -> StudentResult {
        let s = &report.summary;
        let (status, reason) = if let Some(why) = &report.unreachable {
            let status = if spawned {
                StudentStatus::DidNotStart
            } else {
                StudentStatus::Unreachable
            };
            (status, Some(with_last_error(why, report)))
        } else if let Some(why) = &report.stopped {
            (StudentStatus::Stopped, Some(why.clone()))
        } else if s.all_passed() {
            (StudentStatus::Passed, None)
        } else {
            (StudentStatus::Failed, None)
        };
        let m = &report.manifest;
        StudentResult {
            student: student.to_owned(),
            status,
            score: s.points,
            max: s.max_points,
            bonus: s.bonus_points,
            reason,
            scenarios: report
                .scenarios
                .iter()
                .map(|r| ScenarioGrade {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    status: r.status,
                    points: r.points,
                    max_points: r.max_points,
                    bonus: r.bonus,
                    optional: r.optional,
                    flaky: r.flaky,
                    visibility: r.visibility,
                })
                .collect(),
            started_at: m.started_at.clone(),
            duration_ms: m.duration_ms,
            version: m.version.clone(),
            suite: m.suite.clone(),
            suite_hash: m.suite_hash.clone(),
            seed: m.seed,
            command: String::new(),
            rerun: String::new(),
        }
    }

    /// The ids of the scenarios that were flaky.
    pub fn flaky(&self) -> Vec<&str> {
        self.scenarios
            .iter()
            .filter(|g| g.flaky)
            .map(|g| g.id.as_str())
            .collect()
    }

    /// The score as a share of the maximum, in percent.
    pub fn percent(&self) -> f64 {
        self.score.percent_of(self.max)
    }
}

/// Why a program did not start, with the last line it wrote on standard error (a traceback's
/// `OSError: [Errno 99] Cannot assign requested address`), which usually says it all.
fn with_last_error(why: &str, report: &RunReport) -> String {
    let last = report.program.as_ref().and_then(|p| {
        let tail = if p.stderr.omitted == 0 {
            [&p.stderr.head[..], &p.stderr.tail[..]].concat()
        } else {
            p.stderr.tail.to_vec()
        };
        String::from_utf8_lossy(&tail)
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .map(str::to_owned)
    });
    match last {
        Some(line) => format!("{why} (its last error line: {line})"),
        None => why.to_owned(),
    }
}
