//! The conformance runner for socket-lab/1: loads YAML scenario suites, runs them against any
//! server by its address, and reports a verdict per scenario and requirement.
//!
//! The layout follows the runner's data flow: `scenario` (format, model, loader with
//! diagnostics) → `engine` (connections, steps, matching, the run loop) → `report` (one module
//! per output format). `target` starts the built-in reference server; `files` writes the files a
//! server must hold. The binary (`main.rs`) is a thin CLI over these.

pub mod engine;
pub mod files;
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

/// Exit codes of the `conformance` binary.
pub mod exit {
    /// Every scenario passed.
    pub const PASSED: i32 = 0;
    /// Some scenario failed or could not run.
    pub const FAILED: i32 = 1;
    /// A scenario file is invalid, or the command line is wrong.
    pub const INVALID: i32 = 2;
    /// The target could not be reached at all.
    pub const UNREACHABLE: i32 = 3;
}
