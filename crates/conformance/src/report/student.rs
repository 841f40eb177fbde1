//! The student's view of a run: what a student may read of it, from the same run as the
//! instructor's full report.
//!
//! A scenario that is not `visible` shows only its title, its result (status and points) and
//! its hint: no steps, no transcript, no requirement IDs, no file, no output of the programs
//! started for it, no reason that would quote its traffic. The run's own program output is
//! left out when a hidden scenario ran against that program (it may echo the hidden
//! requests); when nothing ran (the program never started) it stays: the traceback is the
//! student's, and all they need.

use crate::outcome::{RunReport, ScenarioReport, Status};

/// The reason a hidden scenario shows for a verdict without a failed step.
const HIDDEN_REASON: &str = "details are hidden for this scenario";

/// `report` as a student may see it.
pub fn student_view(report: &RunReport) -> RunReport {
    let mut view = report.clone();
    let hidden_ran = report
        .scenarios
        .iter()
        .any(|r| !r.visibility.is_visible() && matches!(r.status, Status::Passed | Status::Failed));
    for r in view
        .scenarios
        .iter_mut()
        .filter(|r| !r.visibility.is_visible())
    {
        redact(r);
    }
    if hidden_ran && let Some(p) = &mut view.program {
        p.stdout = Default::default();
        p.stderr = Default::default();
    }
    view
}

/// One scenario as a student may see it (progress lines).
pub fn scenario_view(r: &ScenarioReport) -> ScenarioReport {
    let mut r = r.clone();
    if !r.visibility.is_visible() {
        redact(&mut r);
    }
    r
}

fn redact(r: &mut ScenarioReport) {
    r.requirements.clear();
    r.tags.clear();
    r.file = String::new();
    r.line = 0;
    r.failure = None;
    r.programs.clear();
    r.partial = None;
    // Not run and skipped scenarios say why in words about the run, not the scenario: kept.
    if matches!(r.status, Status::Failed | Status::Error) {
        r.reason = Some(HIDDEN_REASON.to_owned());
    }
}

/// Whether any scenario of `report` is not visible to students.
pub fn has_hidden(report: &RunReport) -> bool {
    report.scenarios.iter().any(|r| !r.visibility.is_visible())
}
