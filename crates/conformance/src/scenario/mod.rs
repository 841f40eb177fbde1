//! Scenario suites: the YAML shapes (`raw`), the validated model (`model`) and the loader that
//! turns one into the other (`load`), with located diagnostics.

pub mod load;
pub mod model;
mod raw;

pub use load::{LoadErrors, ScenarioError, Source, check_files, load_suite, load_suite_from};
pub use model::*;
