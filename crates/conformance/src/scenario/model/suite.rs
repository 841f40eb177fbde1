//! A suite: its scenarios, and the files a graded server must hold.

use std::path::PathBuf;

use super::Scenario;

/// Where a step or value was written: for failure reports and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The scenario file, as given to the loader.
    pub file: PathBuf,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A loaded suite: its scenarios and the files a server must hold for them.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Short name, e.g. `core`.
    pub name: String,
    /// One-line description.
    pub title: String,
    /// The suite's folder.
    pub dir: PathBuf,
    /// SHA-256 of its files (names and contents), lowercase hex.
    pub hash: String,
    /// How the runner checks, between scenarios, that the server is still up.
    pub probe: ProbeKind,
    /// Files every graded server must serve from its root (`conformance fixtures export`).
    pub files: Vec<SuiteFile>,
    /// Scenarios, in file-name order.
    pub scenarios: Vec<Scenario>,
}

/// What the liveness probe between scenarios does to a server given by its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    /// Connect, send `PING`, end the connection and wait for the server's close (socket-lab
    /// servers answer it).
    Ping,
    /// Connect, send nothing, end the connection and wait for the server's close.
    Connect,
    /// No probe: the server is never touched between scenarios (one-client servers).
    None,
}

/// A file of the suite's fixtures.
#[derive(Debug, Clone)]
pub struct SuiteFile {
    /// Path relative to the server's root.
    pub path: String,
    /// The content (empty for a symbolic link).
    pub content: bytes::Bytes,
    /// Where the file, as a symbolic link, points: how a suite checks that links leading out
    /// of the root are refused.
    pub symlink: Option<String>,
}

impl Suite {
    /// The fixture file at `path`, if the suite declares it.
    pub fn file(&self, path: &str) -> Option<&SuiteFile> {
        self.files.iter().find(|f| f.path == path)
    }
}
