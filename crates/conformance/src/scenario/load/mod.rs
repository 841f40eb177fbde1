//! Reading suites and scenario files, and checking them: every problem found in a file is
//! reported, each with its file, line, column and a snippet.
//!
//! One module per construct, as the data nests: `manifest` (suite.yaml), `scenario` (the header
//! and its scope), `step` (which action, which modifiers), `send` and `expect` (the actions'
//! values), `values` (templates, matchers and payloads they share); `diagnostics` places the
//! problems.

mod diagnostics;
mod expect;
mod manifest;
mod program;
mod raw_match;
mod scenario;
mod send;
mod step;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use diagnostics::{LoadErrors, ScenarioError, Source};

use self::diagnostics::io_error;
use super::model::{Location, Scenario, Suite, SuiteFile};

/// Default deadline of an expect or barrier step, before `--timeout-scale`.
pub const DEFAULT_EXPECT_TIMEOUT: Duration = Duration::from_millis(2000);
/// Default deadline of a send step.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_millis(5000);
/// Pause between the writes of a split send, unless `pause_between` says otherwise.
pub const DEFAULT_SPLIT_PAUSE: Duration = Duration::from_millis(5);
/// Name of the manifest in a suite folder.
pub const MANIFEST: &str = "suite.yaml";

/// Loads a suite folder: its `suite.yaml` and every other `*.yaml` in it, in file-name order.
/// Every problem in every file is reported.
pub fn load_suite(dir: &Path) -> Result<Suite, LoadErrors> {
    let manifest = Source::read(&dir.join(MANIFEST))?;
    let scenarios = scenario_paths(dir)?
        .iter()
        .map(|p| Source::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    load_suite_from(dir, &manifest, &scenarios)
}

/// Loads a suite whose files are already in memory: `manifest` and the scenario files, in the
/// order they run.
pub fn load_suite_from(
    dir: &Path,
    manifest: &Source,
    scenarios: &[Source],
) -> Result<Suite, LoadErrors> {
    let manifest::Manifest {
        name,
        title,
        probe,
        protocol,
        program,
        exclusive,
        variables,
        files,
        addresses,
    } = manifest::load(manifest)?;
    let context = scenario::SuiteScope {
        files: &files,
        variables: &variables,
    };
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    let mut ids = UniqueIds::default();
    for source in scenarios {
        match scenario::load(source, &context) {
            Ok(mut s) => {
                // The suite says its scenarios share the program's state.
                s.exclusive |= exclusive;
                errors.extend(ids.check(&s, source));
                loaded.push(s);
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(LoadErrors { errors });
    }
    Ok(Suite {
        name,
        title,
        dir: dir.to_path_buf(),
        hash: content_hash(manifest, scenarios),
        probe,
        protocol,
        program,
        variables,
        files,
        addresses,
        scenarios: loaded,
    })
}

/// SHA-256 over each file's name and text, in order.
fn content_hash(manifest: &Source, scenarios: &[Source]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for s in std::iter::once(manifest).chain(scenarios) {
        let name = s.path.file_name().map(|n| n.to_string_lossy().into_owned());
        h.update(name.unwrap_or_default().as_bytes());
        h.update([0]);
        h.update(s.text.len().to_le_bytes());
        h.update(s.text.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The scenario files of a suite folder, in file-name order.
fn scenario_paths(dir: &Path) -> Result<Vec<PathBuf>, LoadErrors> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().is_some_and(|n| n != MANIFEST)
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// Loads scenario files for `conformance check`: the fixture files come from the `suite.yaml`
/// beside each file, if there is one. Returns how many files were checked.
pub fn check_files(paths: &[PathBuf]) -> Result<usize, LoadErrors> {
    let mut errors = Vec::new();
    let mut ids = UniqueIds::default();
    for path in paths {
        let source = match Source::read(path) {
            Ok(s) => s,
            Err(e) => {
                errors.extend(e.errors);
                continue;
            }
        };
        if path.file_name().is_some_and(|n| n == MANIFEST) {
            errors.extend(
                manifest::load(&source)
                    .err()
                    .into_iter()
                    .flat_map(|e| e.errors),
            );
            continue;
        }
        let (files, variables) = match neighbour_files(path) {
            Ok(found) => found,
            Err(e) => {
                errors.extend(e.errors);
                (Vec::new(), Vec::new())
            }
        };
        let context = scenario::SuiteScope {
            files: &files,
            variables: &variables,
        };
        match scenario::load(&source, &context) {
            Ok(s) => errors.extend(ids.check(&s, &source)),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(paths.len())
    } else {
        Err(LoadErrors { errors })
    }
}

/// A suite's variables and their defaults.
type Variables = Vec<(String, String)>;

/// The fixture files and variables of the `suite.yaml` beside `path`, if there is one.
fn neighbour_files(path: &Path) -> Result<(Vec<SuiteFile>, Variables), LoadErrors> {
    match path
        .parent()
        .map(|d| d.join(MANIFEST))
        .filter(|m| m.exists())
    {
        Some(m) => {
            let manifest = manifest::load(&Source::read(&m)?)?;
            Ok((manifest.files, manifest.variables))
        }
        None => Ok((Vec::new(), Vec::new())),
    }
}

/// Scenario ids seen so far, to report a second use of one.
#[derive(Default)]
struct UniqueIds {
    seen: Vec<(String, Location)>,
}

impl UniqueIds {
    /// An error at `s`'s id if an earlier scenario has the same id.
    fn check(&mut self, s: &Scenario, source: &Source) -> Option<ScenarioError> {
        let Some((_, first)) = self.seen.iter().find(|(id, _)| *id == s.id) else {
            self.seen.push((s.id.clone(), s.location.clone()));
            return None;
        };
        // The files of a suite share a folder: the name says which.
        let name = first.file.file_name().map_or_else(
            || first.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Some(source.error_at(
            &s.location,
            s.id.len(),
            format!(
                "scenario id `{}` is also used at {name}:{}:{}",
                s.id, first.line, first.column
            ),
            "duplicate id",
            Some("ids are unique within a suite"),
        ))
    }
}
