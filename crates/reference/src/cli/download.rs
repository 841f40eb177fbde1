//! A download's local file: written beside its destination under a temporary name, renamed
//! when complete and removed otherwise, so a failed download leaves nothing half-written.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use super::error::CliError;

/// A download being written to `.<name>.part-<random>` beside its destination.
#[derive(Debug)]
pub(super) struct LocalDownload {
    pub(super) file: tokio::fs::File,
    /// Empty once renamed to `target`.
    temp: PathBuf,
    target: PathBuf,
}

impl LocalDownload {
    /// Creates the temporary file beside `target`.
    pub(super) async fn create(target: &Path) -> Result<Self, CliError> {
        let name = target
            .file_name()
            .ok_or_else(|| CliError::Usage(format!("{}: not a file name", target.display())))?;
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".part-{:08x}", fastrand::u32(..)));
        let temp = target.with_file_name(temp_name);
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|e| CliError::local(target, e))?;
        Ok(LocalDownload {
            file,
            temp,
            target: target.to_path_buf(),
        })
    }

    /// Flushes the file and renames it to its destination.
    pub(super) async fn commit(mut self) -> Result<(), CliError> {
        let local = |e| CliError::local(&self.target, e);
        self.file.flush().await.map_err(local)?;
        tokio::fs::rename(&self.temp, &self.target)
            .await
            .map_err(local)?;
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for LocalDownload {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
