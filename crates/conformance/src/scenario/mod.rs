//! Scenario suites: the YAML format (`raw`), its validated model (`model`) and the loader that
//! checks one against the other (`load`).

pub mod load;
pub mod model;
mod raw;

pub use load::{LoadErrors, ScenarioError, check_files, load_scenario_file, load_suite};
pub use model::*;
