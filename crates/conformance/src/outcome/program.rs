//! What the program under test did, as data: how it ended, and what it printed.

use bytes::Bytes;
use serde::Serialize;

/// A program the harness started, once it has stopped.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramReport {
    /// The instance's name: `program`, or the name a scenario started it with.
    pub name: String,
    /// The command it was started with, `{port}` replaced.
    pub command: String,
    /// How it ended, in words (`exited with status 1`, `killed by SIGXCPU: the CPU limit...`).
    pub exit: String,
    /// Whether it ended on its own (before the harness stopped it).
    pub exited_by_itself: bool,
    /// Its standard output.
    pub stdout: OutputExcerpt,
    /// Its standard error.
    pub stderr: OutputExcerpt,
}

/// A stream the program wrote: its first and last bytes, and how much there was.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutputExcerpt {
    /// The first bytes.
    #[serde(serialize_with = "crate::report::json::escaped")]
    pub head: Bytes,
    /// The last bytes, right after `head` unless `omitted` is not 0.
    #[serde(serialize_with = "crate::report::json::escaped")]
    pub tail: Bytes,
    /// Bytes dropped between the two.
    pub omitted: u64,
    /// Every byte written.
    pub total: u64,
}

impl OutputExcerpt {
    /// Whether the program wrote nothing.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}
