//! Running a suite against a target: the model goes in, an [`outcome::RunReport`] comes out.
//!
//! `schedule` starts scenarios in suite order under `--jobs` and probes the server between
//! them (`probe`); `run` runs one scenario's steps (`steps`) over connections (`conn`) with
//! per-run variables (`vars`), matching what arrives (`matching`) and recording it
//! (`transcript`).
//!
//! [`outcome::RunReport`]: crate::outcome::RunReport

mod budget;
mod conn;
mod launch;
mod listen;
mod matching;
mod probe;
mod program_steps;
mod raw_matching;
mod run;
mod schedule;
mod steps;
mod transcript;
mod vars;
mod verdict;

use std::net::SocketAddr;

pub use conn::HARNESS_LIMITS;
pub use launch::{Instance, ProgramPlan};
pub use probe::{CloseWait, Prober, probe};
pub use run::{Context, run_scenario};
pub use schedule::{Observer, Quiet, Subject, report_without_run, run_suite, run_suite_until};
pub use verdict::{Outcome, Verdict};

use crate::scenario::{ProbeKind, Scenario};

/// How to run a suite.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunOptions {
    /// Multiplies every deadline (slow grading machines).
    pub timeout_scale: f64,
    /// Seed of the per-run random values.
    pub seed: u64,
    /// Scenarios run at once.
    pub jobs: usize,
    /// Whether the target serves UDP on its port.
    pub udp: bool,
    /// Only scenarios whose id contains one of these.
    pub filter: Vec<String>,
    /// Only scenarios with one of these tags.
    pub tags: Vec<String>,
    /// Also run scenarios tagged `slow` (they wait out the spec's minimum timeouts).
    pub slow: bool,
    /// The liveness probe, instead of the suite's.
    pub probe: Option<ProbeKind>,
    /// Values for the suite's variables, instead of their defaults (`--var NAME=VALUE`).
    pub vars: Vec<(String, String)>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeout_scale: 1.0,
            seed: 0,
            jobs: 1,
            udp: false,
            filter: Vec::new(),
            tags: Vec::new(),
            slow: false,
            probe: None,
            vars: Vec::new(),
        }
    }
}

/// The server being graded.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its address.
    pub addr: SocketAddr,
    /// How to name it in reports.
    pub description: String,
}

/// Whether `scenario` is selected by the filters.
pub fn selected(scenario: &Scenario, opts: &RunOptions) -> bool {
    let by_id =
        opts.filter.is_empty() || opts.filter.iter().any(|f| scenario.id.contains(f.as_str()));
    let by_tag = opts.tags.is_empty() || opts.tags.iter().any(|t| scenario.has_tag(t));
    by_id && by_tag
}
