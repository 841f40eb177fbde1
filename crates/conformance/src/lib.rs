//! The conformance runner for socket-lab/1: loads YAML scenario suites, runs them against any
//! server by its address, and reports a verdict per scenario and requirement.
//!
//! The modules follow the data:
//!
//! ```text
//! scenario/  YAML text ──load──▶ model (Suite, Scenario, Step)        what to run
//! engine/    model ──run against a target──▶ outcome                  connections, deadlines, matching
//! outcome/   RunReport, ScenarioReport, StepFailure                   what happened, as data
//! report/    outcome ──▶ human | json | junit | tap | gradescope      the only place with words
//! ```
//!
//! `grade` is the class layer over runs: rosters, rubrics, reruns, gradebooks, isolation.
//!
//! `suites` finds a suite by name or path, among folders and the suites built into the binary;
//! `target` starts the built-in reference server (feature `builtin`); `files` writes the files a
//! server must hold; `exit` is the binary's exit-code table. The binary (`main.rs`) only handles
//! arguments.

#![warn(missing_docs)]

pub mod engine;
pub mod exit;
pub mod files;
pub mod grade;
pub mod outcome;
pub mod program;
pub mod report;
pub mod scenario;
pub mod suites;
pub mod target;
