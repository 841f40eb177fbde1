//! The lab texts of `../shared/seeds/` (beside the repository, in CI too): their programs are
//! read from there at test time, never copied into the project, and run unchanged but for
//! taking their port from the command line.

use std::path::PathBuf;

use super::repo;

/// The text of seed `n` (`000`, `001`, ...), if the seeds are there.
pub fn seed(n: u8) -> Option<String> {
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
