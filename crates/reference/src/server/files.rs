//! The served folder: path confinement (spec §8), streamed downloads, atomic uploads.
//!
//! A path goes through three gates before any file is opened or created:
//!
//! 1. the lexical rules of spec §8 ([`wire::path::RelativePath::parse`]): `..`, absolute paths,
//!    `\`, `:` (drive letters, streams), empty and `.` segments, over 255 octets;
//! 2. names reserved for uploads in progress ([`UPLOAD_PREFIX`]), so a partial file is never
//!    readable nor overwritable through the protocol;
//! 3. the file system: the deepest prefix of the path that exists is canonicalised (following
//!    every symbolic link) and must still lie under the canonical root (PATH-4).
//!
//! Uploads are written to `.upload-<random>.part` beside their target and renamed over it only
//! once every byte has arrived and been synced: the target name shows the old content or the new
//! content, whole, never a part (PUT-3). A dropped [`Upload`] removes its temporary file.
//!
//! The checks and the open are separate system calls, so a local user who can swap a folder for a
//! symbolic link between them could still win a race; the root is assumed to be changed only
//! through this server.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;
use wire::path::{PathError, RelativePath};

/// File names starting with this are temporary uploads; paths using them are refused (403).
pub const UPLOAD_PREFIX: &str = ".upload-";

/// Why a request on a path failed, mapped by the caller to an ERR code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FileError {
    /// ERR 403: the path breaks a rule of spec §8 (or names a reserved or unsuitable target).
    #[error("path not allowed: {0}")]
    Refused(Refusal),
    /// ERR 404: nothing, or nothing regular, at that path.
    #[error("no such file")]
    NotFound,
    /// ERR 500: the file system failed.
    #[error("internal error: {0}")]
    Io(#[from] io::Error),
}

/// The reason behind an ERR 403.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// A lexical rule of spec §8.
    Rule(PathError),
    /// A segment starts with [`UPLOAD_PREFIX`].
    Reserved,
    /// Resolving symbolic links leaves the root (PATH-4).
    OutsideRoot,
    /// A symbolic link on the path leads nowhere, so where it leads cannot be checked.
    BrokenLink,
    /// `PUT` to an existing folder or other non-regular file (PATH-6).
    NotAFile,
    /// `PUT` through an existing file used as a folder (PATH-6).
    NotADirectory,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Rule(e) => write!(f, "{e}"),
            Refusal::Reserved => {
                write!(
                    f,
                    "names starting with `{UPLOAD_PREFIX}` are uploads in progress"
                )
            }
            Refusal::OutsideRoot => f.write_str("a symbolic link leads out of the served folder"),
            Refusal::BrokenLink => f.write_str("a symbolic link on the path leads nowhere"),
            Refusal::NotAFile => f.write_str("the target exists and is not a regular file"),
            Refusal::NotADirectory => f.write_str("a parent on the path is a file, not a folder"),
        }
    }
}

impl From<Refusal> for FileError {
    fn from(r: Refusal) -> Self {
        FileError::Refused(r)
    }
}

/// The canonical root folder. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    dir: PathBuf,
}

/// A file opened for `GET`: its content is fixed at open time, whatever renames follow.
#[derive(Debug)]
pub(crate) struct Download {
    /// The open file, read on blocking threads.
    pub(crate) file: std::fs::File,
    /// Its size when opened: the size announced in `FILE <size>`.
    pub(crate) size: u64,
}

/// A path resolved under the root: the canonical deepest existing prefix, then the segments
/// that do not exist yet.
#[derive(Debug)]
struct Resolved {
    existing: PathBuf,
    missing: Vec<String>,
}

impl Root {
    /// The root at `dir`, which must be an existing folder.
    pub(crate) fn new(dir: &Path) -> io::Result<Root> {
        let dir = std::fs::canonicalize(dir)?;
        if !std::fs::metadata(&dir)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", dir.display()),
            ));
        }
        Ok(Root { dir })
    }

    /// Removes the temporary files of uploads that a previous run left behind (a `kill -9`
    /// mid-upload): every regular file below the root whose name starts with
    /// [`UPLOAD_PREFIX`]. Links are not followed. Returns how many were removed.
    pub(crate) fn remove_stale_uploads(&self) -> usize {
        let mut removed = 0;
        let mut folders = vec![self.dir.clone()];
        while let Some(dir) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let stale = entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(UPLOAD_PREFIX);
                if kind.is_dir() {
                    folders.push(entry.path());
                } else if kind.is_file() && stale && std::fs::remove_file(entry.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Opens the regular file at `path` for download.
    pub(crate) async fn open(&self, path: &str) -> Result<Download, FileError> {
        let root = self.clone();
        let path = path.to_owned();
        blocking(move || {
            let file = root.open_blocking(&path)?;
            let meta = file.metadata()?;
            if !meta.is_file() {
                return Err(FileError::NotFound);
            }
            Ok(Download {
                file,
                size: meta.len(),
            })
        })
        .await
    }

    /// Starts an upload to `path`: checks it, creates missing parent folders (PUT-7) and the
    /// temporary file beside the target.
    pub(crate) async fn upload(&self, path: &str) -> Result<Upload, FileError> {
        let root = self.clone();
        let path = path.to_owned();
        let (file, temp, target) = blocking(move || root.create_blocking(&path)).await?;
        Ok(Upload {
            file: Some(tokio::fs::File::from_std(file)),
            temp,
            target,
        })
    }

    fn open_blocking(&self, path: &str) -> Result<std::fs::File, FileError> {
        let resolved = self.resolve(path)?;
        if !resolved.missing.is_empty() {
            return Err(FileError::NotFound);
        }
        // Checked before opening: opening a FIFO would block until a writer comes.
        match std::fs::metadata(&resolved.existing) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => return Err(FileError::NotFound),
            Err(e) => return Err(not_found_or(e)),
        }
        std::fs::File::open(&resolved.existing).map_err(not_found_or)
    }

    fn create_blocking(&self, path: &str) -> Result<(std::fs::File, PathBuf, PathBuf), FileError> {
        let Resolved { existing, missing } = self.resolve(path)?;
        let meta = std::fs::metadata(&existing)?;
        let (parent, target) = match missing.split_last() {
            None if meta.is_file() => {
                let parent = existing.parent().map(Path::to_path_buf);
                (parent.unwrap_or_else(|| self.dir.clone()), existing)
            }
            None => return Err(Refusal::NotAFile.into()),
            Some(_) if !meta.is_dir() => return Err(Refusal::NotADirectory.into()),
            Some((name, folders)) => {
                let parent = folders.iter().fold(existing, |p, s| p.join(s));
                std::fs::create_dir_all(&parent)?;
                let target = parent.join(name);
                (parent, target)
            }
        };
        let mut attempts = 0;
        loop {
            let temp = parent.join(format!("{UPLOAD_PREFIX}{:016x}.part", fastrand::u64(..)));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
            {
                Ok(file) => return Ok((file, temp, target)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 8 => {
                    attempts += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Applies the three gates of the module documentation.
    fn resolve(&self, path: &str) -> Result<Resolved, FileError> {
        let rel = RelativePath::parse(path).map_err(Refusal::Rule)?;
        if rel.segments().any(|s| s.starts_with(UPLOAD_PREFIX)) {
            return Err(Refusal::Reserved.into());
        }
        let mut existing = self.dir.clone();
        let mut missing = Vec::new();
        for segment in rel.segments() {
            if missing.is_empty() {
                let next = existing.join(segment);
                match std::fs::symlink_metadata(&next) {
                    Ok(_) => {
                        existing = next;
                        continue;
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                        ) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            missing.push(segment.to_owned());
        }
        let existing = match std::fs::canonicalize(&existing) {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Refusal::BrokenLink.into());
            }
            // Links that loop lead to no file: 404, as for anything not a file (GET-3).
            Err(e) if is_loop(&e) => return Err(FileError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if !existing.starts_with(&self.dir) {
            return Err(Refusal::OutsideRoot.into());
        }
        Ok(Resolved { existing, missing })
    }
}

/// ELOOP: too many levels of symbolic links (`io::ErrorKind::FilesystemLoop` is not stable).
fn is_loop(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    const ELOOP: i32 = 40;
    #[cfg(not(target_os = "linux"))]
    const ELOOP: i32 = 62;
    e.raw_os_error() == Some(ELOOP)
}

fn not_found_or(e: io::Error) -> FileError {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => FileError::NotFound,
        _ => FileError::Io(e),
    }
}

/// Runs file-system calls off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, FileError> + Send + 'static,
) -> Result<T, FileError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| FileError::Io(io::Error::other(e)))?
}

/// An upload in progress: bytes go to a temporary file, which [`Upload::commit`] renames over
/// the target. Dropped uncommitted (disconnect, error, shutdown), it removes its temporary file.
#[derive(Debug)]
pub(crate) struct Upload {
    file: Option<tokio::fs::File>,
    temp: PathBuf,
    target: PathBuf,
}

impl Upload {
    /// Appends payload bytes.
    pub(crate) async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.write_all(chunk).await,
            None => Err(io::Error::other("upload already finished")),
        }
    }

    /// Makes the upload visible under its target name, whole: sync, then rename.
    pub(crate) async fn commit(mut self) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Err(io::Error::other("upload already finished"));
        };
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let temp = self.temp.clone();
        let target = self.target.clone();
        tokio::task::spawn_blocking(move || std::fs::rename(temp, target))
            .await
            .map_err(io::Error::other)??;
        // Renamed: nothing left to remove.
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            // Unlinking is quick and must happen before the connection is reported closed.
            if let Err(e) = std::fs::remove_file(&self.temp) {
                tracing::warn!(temp = %self.temp.display(), error = %e, "cannot remove partial upload");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(r: Result<Resolved, FileError>) -> String {
        match r {
            Err(FileError::Refused(reason)) => reason.to_string(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn confinement() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("sub"), dir.path().join("in")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/x", dir.path().join("broken")).unwrap();
        let root = Root::new(dir.path()).unwrap();

        assert!(refused(root.resolve("out/secret")).contains("leads out"));
        assert!(refused(root.resolve("out/new/file")).contains("leads out"));
        assert!(refused(root.resolve("out")).contains("leads out"));
        assert!(refused(root.resolve("broken")).contains("leads nowhere"));
        assert!(refused(root.resolve("../x")).contains(".."));
        assert!(refused(root.resolve("sub/.upload-1.part")).contains("uploads in progress"));

        let r = root.resolve("in/a/b").unwrap();
        assert_eq!(r.existing, root.dir.join("sub"));
        assert_eq!(r.missing, ["a", "b"]);
    }
}
