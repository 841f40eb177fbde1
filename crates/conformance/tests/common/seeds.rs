//! The lab texts of `../shared/seeds/` (beside the repository, in CI too): their programs are
//! read from there at test time, never copied into the project, and run unchanged but for
//! taking their port from the command line.

use std::path::{Path, PathBuf};

use conformance::engine::RunOptions;

use super::programs::failures_of;
use super::repo;

/// The text of seed `n` (`000`, `001`, ...), if the seeds are there (said on stderr if not).
pub fn seed(n: u8) -> Option<String> {
    let text = read_seed(n);
    if text.is_none() {
        eprintln!("../shared/seeds is not beside the repository: nothing to check");
    }
    text
}

fn read_seed(n: u8) -> Option<String> {
    let dir = repo().join("../shared/seeds");
    let prefix = format!("{n:03}_");
    let path: PathBuf = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })?;
    std::fs::read_to_string(path).ok()
}

/// The blocks between ``` fences of a seed.
pub fn fenced_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            match current.take() {
                Some(lines) => blocks.push(lines.join("\n") + "\n"),
                None => current = Some(Vec::new()),
            }
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    blocks
}

/// A Python program of a seed made to take its port from the command line: every `port`
/// literal replaced by `int(sys.argv[1])`, `import sys` added.
pub fn with_port_argument(code: &str, port: &str) -> String {
    format!("import sys\n{}", code.replace(port, "int(sys.argv[1])"))
}

/// A lab text's programs, written to a folder of their own to be graded there.
pub struct LabPrograms {
    dir: tempfile::TempDir,
}

impl LabPrograms {
    /// Writes each `(file name, code)` to a fresh folder.
    pub fn write<'a>(programs: impl IntoIterator<Item = (&'a str, String)>) -> LabPrograms {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, code) in programs {
            std::fs::write(dir.path().join(name), code).expect("write");
        }
        LabPrograms { dir }
    }

    /// The lab's server (the program that calls `.listen(`) and client (`.connect(`) among
    /// `programs`, written as `server.py` and `client.py`, their `port` literal replaced.
    pub fn server_and_client(programs: &[String], port: &str) -> LabPrograms {
        let find = |call: &str| {
            let code = programs
                .iter()
                .find(|p| p.contains(call))
                .unwrap_or_else(|| panic!("no program calls {call} in:\n{programs:#?}"));
            with_port_argument(code, port)
        };
        LabPrograms::write([
            ("server.py", find(".listen(")),
            ("client.py", find(".connect(")),
        ])
    }

    /// The folder they are in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The scenarios of the suite in the repository folder `suite` that `command`, run in their
    /// folder, does not pass.
    pub fn failures(&self, suite: &str, command: &str, opts: RunOptions) -> Vec<String> {
        failures_of(suite, command, self.dir(), opts)
    }

    /// [`LabPrograms::failures`] of `python3 PROGRAM {port}` with the default options.
    pub fn python_failures(&self, suite: &str, program: &str) -> Vec<String> {
        let command = format!("python3 {program} {{port}}");
        self.failures(suite, &command, RunOptions::default())
    }
}
