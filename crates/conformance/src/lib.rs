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
//! `target` starts the built-in reference server (feature `builtin`); `files` writes the files a
//! server must hold; `exit` is the binary's exit-code table. The binary (`main.rs`) only handles
//! arguments.

#![warn(missing_docs)]

pub mod engine;
pub mod exit;
pub mod files;
pub mod outcome;
pub mod program;
pub mod report;
pub mod scenario;
pub mod target;

use std::path::{Path, PathBuf};

/// The folder that holds the suites shipped with this tool (`conformance/` at the repo root).
pub fn suites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance")
}

/// A suite by name (`core`) or by path: a name is looked up in `./conformance/`, then in the
/// folder shipped with this tool.
pub fn resolve_suite(name_or_path: &str) -> PathBuf {
    let given = Path::new(name_or_path);
    let local = Path::new("conformance").join(name_or_path);
    let found = [given.to_path_buf(), local, suites_dir().join(name_or_path)]
        .into_iter()
        .find(|dir| dir.join(scenario::load::MANIFEST).exists())
        .unwrap_or_else(|| given.to_path_buf());
    shorten(&found)
}

/// `path` relative to the current folder when it is below it, so reports show
/// `conformance/core/010-hello.yaml` rather than a long absolute path.
fn shorten(path: &Path) -> PathBuf {
    let (Ok(abs), Ok(cwd)) = (path.canonicalize(), std::env::current_dir()) else {
        return path.to_path_buf();
    };
    match abs.strip_prefix(&cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => abs,
    }
}
