//! The program's working folder: a fresh copy of the student's folder plus the suite's files,
//! removed when dropped. The student's folder is only read.

use std::fs;
use std::io;
use std::path::{Component, Path};

use tempfile::TempDir;

use super::Spec;

/// A temporary folder holding a copy of [`Spec::source_dir`] and [`Spec::files`].
#[derive(Debug)]
pub struct Workdir {
    dir: TempDir,
}

impl Workdir {
    /// Copies the source folder (files, folders and symbolic links, as they are; other kinds
    /// of file are skipped) into a new temporary folder, then writes the extra files.
    pub fn prepare(spec: &Spec) -> io::Result<Workdir> {
        Workdir::check_source(&spec.source_dir)?;
        let dir = tempfile::Builder::new()
            .prefix("socket-lab-run-")
            .tempdir()?;
        copy_tree(&spec.source_dir, dir.path())?;
        for (name, bytes) in &spec.files {
            let path = dir.path().join(relative(name)?);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(path, bytes)?;
        }
        for (name, to) in &spec.links {
            let path = dir.path().join(relative(name)?);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            if path.symlink_metadata().is_ok() {
                fs::remove_file(&path)?;
            }
            std::os::unix::fs::symlink(to, path)?;
        }
        Ok(Workdir { dir })
    }

    /// Checks that `source` can be copied: a student's folder is small, and a mistaken one (a
    /// whole checkout, a home folder) is refused before anything is copied.
    pub fn check_source(source: &Path) -> io::Result<()> {
        let mut budget = Budget {
            bytes: MAX_COPY_BYTES,
            files: MAX_COPY_FILES,
        };
        measure(source, &mut budget).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "{}: {e} (point --cwd at the program's own folder)",
                    source.display()
                ),
            )
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// `name` when it is a relative path that stays inside the folder.
fn relative(name: &str) -> io::Result<&Path> {
    let path = Path::new(name);
    let inside = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if inside && path.components().next().is_some() {
        Ok(path)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?}: a file of the working folder needs a relative path without `..`"),
        ))
    }
}

/// The most a working folder copies from the student's folder.
const MAX_COPY_BYTES: u64 = 256 * 1024 * 1024;
/// The most files (and folders) it copies.
const MAX_COPY_FILES: u64 = 10_000;

/// What is left to copy.
struct Budget {
    bytes: u64,
    files: u64,
}

/// Counts what `from` holds against the budget, without following links.
fn measure(from: &Path, budget: &mut Budget) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        budget.files = budget
            .files
            .checked_sub(1)
            .ok_or_else(|| io::Error::other(format!("more than {MAX_COPY_FILES} files to copy")))?;
        if kind.is_dir() {
            measure(&entry.path(), budget)?;
        } else if kind.is_file() {
            let len = entry.metadata()?.len();
            budget.bytes = budget.bytes.checked_sub(len).ok_or_else(|| {
                io::Error::other(format!("more than {} MiB to copy", MAX_COPY_BYTES >> 20))
            })?;
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            fs::create_dir(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            fs::copy(entry.path(), &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_paths_inside() {
        assert!(relative("a/b.txt").is_ok());
        assert!(relative("./a").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a/../../x"] {
            assert!(relative(bad).is_err(), "{bad}");
        }
    }
}
