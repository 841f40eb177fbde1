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
    /// What the program speaks: decides what the harness may send on its own (the probe's
    /// `PING`, a `BYE` on UDP connections at the end of a scenario).
    pub protocol: Protocol,
    /// How a program is started and supervised when the harness spawns it.
    pub program: ProgramSettings,
    /// Variables every scenario may use (`${greeting}`), with their defaults: the wording an
    /// instructor may set with `--var NAME=VALUE`.
    pub variables: Vec<(String, String)>,
    /// Files every graded server must serve from its root (`conformance fixtures export`).
    pub files: Vec<SuiteFile>,
    /// Addresses the lab text has programs bind (`192.168.1.4`): `conformance grade` makes
    /// them local to each submission's network namespace.
    pub addresses: Vec<std::net::IpAddr>,
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

/// What a suite's programs speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// socket-lab/1: the harness may send `PING` (probe) and `BYE` (leaving a UDP scenario).
    SocketLab,
    /// Anything (a lab's plain text): the harness sends nothing the scenario does not.
    Raw,
}

/// How the harness runs a program it spawns (`--spawn`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProgramSettings {
    /// A server the harness connects to, or a client that connects to the harness.
    pub role: Role,
    /// Started once for the whole run, or afresh for every scenario.
    pub lifecycle: Lifecycle,
    /// What a server must have open before it is ready: a TCP listener, a UDP socket, both.
    pub ready: Ready,
    /// How long a server has to be ready (scaled by `--timeout-scale`).
    pub ready_timeout: std::time::Duration,
    /// The lab of the reference crate graded when no program is given (`reference lab NAME`).
    pub builtin: Option<String>,
    /// Environment variables the program is started with (`program: env:`), in name order;
    /// `--env` overrides them.
    pub env: Vec<(String, String)>,
}

/// The program's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// It listens on `{port}`; the harness connects.
    Server,
    /// It connects to `{port}`, where the harness listens.
    Client,
}

/// When the harness starts the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lifecycle {
    /// Once, for every scenario of the run.
    PerRun,
    /// Afresh for every scenario (a server that serves one client and exits).
    PerScenario,
}

/// What a server must have open to be ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ready {
    /// A TCP socket listening on the port.
    Tcp,
    /// A UDP socket bound to the port.
    Udp,
    /// Both.
    Both,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        ProgramSettings {
            role: Role::Server,
            lifecycle: Lifecycle::PerRun,
            ready: Ready::Tcp,
            ready_timeout: std::time::Duration::from_secs(10),
            builtin: None,
            env: Vec::new(),
        }
    }
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
