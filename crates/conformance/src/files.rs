//! The files a graded server must hold: generated from the suite, exported to a folder.

use std::path::Path;

use bytes::Bytes;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::scenario::Suite;

/// FNV-1a of `text`: the same on every machine and every run, unlike `std`'s hashers, so
/// values drawn from it can be reproduced.
pub(crate) fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// `size` bytes that depend only on `path`: every export of a suite writes the same files.
pub fn deterministic_bytes(path: &str, size: usize) -> Bytes {
    let mut rng = StdRng::seed_from_u64(stable_hash(path));
    let mut out = vec![0u8; size];
    rng.fill_bytes(&mut out);
    Bytes::from(out)
}

#[cfg(unix)]
fn symlink(to: &str, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(to, at)
}

#[cfg(not(unix))]
fn symlink(_: &str, _: &Path) -> std::io::Result<()> {
    // Without symbolic links, the escape check has nothing to escape through.
    Ok(())
}

/// Writes every file of `suite` under `dir`, creating folders; returns how many were written.
pub fn export(suite: &Suite, dir: &Path) -> std::io::Result<usize> {
    for file in &suite.files {
        let target = dir.join(&file.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Replace whatever is there, a link included, without following it.
        if target.symlink_metadata().is_ok() {
            std::fs::remove_file(&target)?;
        }
        match &file.symlink {
            Some(to) => symlink(to, &target)?,
            None => std::fs::write(&target, &file.content)?,
        }
    }
    Ok(suite.files.len())
}
