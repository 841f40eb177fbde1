//! Grading a class: the parts of `conformance grade` that are data, not processes.
//!
//! ```text
//! roster.csv ──roster──▶ Entry per student ──partition K/N──▶ this machine's slice
//!     each: `conformance run ... --report-dir OUT/<student>` (isolation: its own network namespace)
//!        run ──rerun──▶ retries of failures (flaky apart) ──rubric──▶ points ──▶ grade.json
//! grade.json per student ──gradebook──▶ gradebook.csv   ──summary──▶ index.html, terminal
//! ```
//!
//! - `roster`: the CSV or YAML list of submissions, checked with every problem at once.
//! - `partition`: `--partition K/N`, count-based and stable.
//! - `isolation`: the network namespace wrapper, and whether the machine allows it.
//! - `rerun`: `--rerun-failed N`: failures run again, flaky scenarios told apart.
//! - `rubric`: points per scenario, required and bonus scenarios, partial credit, visibility.
//! - `result`: one student's grade (`grade.json`).
//! - `gradebook`, `summary`: the class's CSV and its summary.

pub mod gradebook;
pub mod isolation;
pub mod partition;
pub mod rerun;
pub mod result;
pub mod roster;
pub mod rubric;
pub mod summary;

pub use partition::Partition;
pub use result::{ScenarioGrade, StudentResult, StudentStatus};
pub use roster::{Entry, Roster, RosterError, Submission};
pub use rubric::{Rubric, RubricError};
pub use summary::ClassSummary;
