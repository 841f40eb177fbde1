//! Writing what the user reads: to stdout without panicking on a closed pipe (`| head -1`),
//! and report files replaced whole, so a reader never sees half a report.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `text` to stdout. A closed pipe ends the writing quietly: the reader has seen what it
/// wanted.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Writes `text` to stderr, ignoring failure (there is nowhere left to say it).
pub fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A report file, written whole each time: to a temporary file beside it, then renamed over it.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    temp: PathBuf,
}

impl ReportFile {
    /// Checks now, before a run, that `path` can be written: creates its temporary file.
    pub fn open(path: &Path) -> std::io::Result<ReportFile> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".to_owned());
        let temp = path.with_file_name(format!(".{name}.partial"));
        std::fs::File::create(&temp)?;
        Ok(ReportFile {
            path: path.to_path_buf(),
            temp,
        })
    }

    /// Replaces the file's content with what `write` produces.
    pub fn replace(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&self.temp)?);
        write(&mut file)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&self.temp, &self.path)
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        // Only left behind when a write failed half-way.
        let _ = std::fs::remove_file(&self.temp);
    }
}
