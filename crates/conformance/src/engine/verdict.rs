//! How a scenario and its steps end: passed, failed (a verdict on the program, as data), or a
//! harness error (never a point taken from the program).

use bytes::Bytes;

use super::conn::Event;
use super::matching::observe;
use crate::outcome::{Expected, Mismatch, Observation, ProgramReport, StepFailure};
use crate::scenario::UnsetVar;

/// How a scenario ended.
#[derive(Debug)]
pub enum Verdict {
    /// Every step passed.
    Passed,
    /// A step failed: a verdict on the program.
    Failed(Box<StepFailure>),
    /// The harness could not run a step (a bug in the suite or the tool, not the program's
    /// fault): why, with the step's location.
    HarnessError(String),
}

/// Why one step did not pass, before it is placed in the scenario.
#[derive(Debug)]
pub(crate) enum StepError {
    /// The program did not do what the step needed.
    Failed(Box<Unmet>),
    /// The harness could not run the step.
    Harness(String),
}

/// What a step needed and what happened instead.
#[derive(Debug)]
pub(crate) struct Unmet {
    pub expected: Expected,
    pub observed: Observation,
    pub mismatches: Vec<Mismatch>,
    pub received: Option<Bytes>,
}

impl StepError {
    /// A failure with no mismatch detail.
    pub fn failed(expected: Expected, observed: Observation, received: Option<Bytes>) -> Self {
        StepError::Failed(Box::new(Unmet {
            expected,
            observed,
            mismatches: Vec::new(),
            received,
        }))
    }

    /// `expected` was not met by `event`.
    pub fn on_event(expected: Expected, event: &Event) -> Self {
        let (observed, received) = observe(event);
        StepError::failed(expected, observed, received)
    }
}

impl From<UnsetVar> for StepError {
    fn from(e: UnsetVar) -> Self {
        StepError::Harness(e.to_string())
    }
}

/// A scenario's verdict, and the programs it started, stopped.
#[derive(Debug)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// What each program started for the scenario did.
    pub programs: Vec<ProgramReport>,
}
