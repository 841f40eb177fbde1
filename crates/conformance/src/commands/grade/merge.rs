//! `conformance grade merge DIR... --out OUT`: the slices of `grade --partition K/N` (each
//! graded on its own machine) as one class: their student folders copied into `OUT`, one
//! gradebook in roster order, one class page. Slices must come from the same roster, suite and
//! seed; a missing slice is named, and makes the exit code 1.

use std::path::{Path, PathBuf};

use conformance::exit;
use conformance::grade::{Partition, StudentResult, StudentStatus};

use super::class::{SliceManifest, json, page, write_class};
use crate::commands::output::eprint;

/// Runs `grade merge`; returns the exit code.
pub fn merge(dirs: &[PathBuf], out: &Path) -> i32 {
    match merge_into(dirs, out) {
        Ok(missing) if missing.is_empty() => exit::PASSED,
        Ok(missing) => {
            eprint(&format!(
                "conformance: slice(s) {} missing: their students are not in the gradebook\n",
                missing.join(", ")
            ));
            exit::FAILED
        }
        Err(why) => {
            eprint(&format!("conformance: {why}\n"));
            exit::INVALID
        }
    }
}

/// Merges; the slices missing, if any.
fn merge_into(dirs: &[PathBuf], out: &Path) -> Result<Vec<String>, String> {
    let mut slices = Vec::new();
    for dir in dirs {
        let path = dir.join("grade-run.json");
        let text = std::fs::read(&path).map_err(|e| {
            format!(
                "{}: {e} (is it the --out folder of `conformance grade`?)",
                path.display()
            )
        })?;
        let m: SliceManifest = serde_json::from_slice(&text)
            .map_err(|e| format!("{}: not a slice manifest: {e}", path.display()))?;
        slices.push((dir.clone(), m));
    }
    let first = slices[0].1.clone();
    for (dir, m) in &slices {
        let same = (&m.roster_hash, &m.suite_hash, m.seed, m.partition.count)
            == (
                &first.roster_hash,
                &first.suite_hash,
                first.seed,
                first.partition.count,
            );
        if !same {
            return Err(format!(
                "{} was graded from another roster, suite, seed or number of slices than {}",
                dir.display(),
                slices[0].0.display()
            ));
        }
    }
    let mut indexes: Vec<usize> = slices.iter().map(|(_, m)| m.partition.index).collect();
    indexes.sort_unstable();
    if indexes.windows(2).any(|w| w[0] == w[1]) {
        return Err("a slice is given twice".to_owned());
    }
    let missing: Vec<String> = (1..=first.partition.count)
        .filter(|k| !indexes.contains(k))
        .map(|k| format!("{k}/{}", first.partition.count))
        .collect();
    std::fs::create_dir_all(out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let mut students: Vec<(usize, StudentResult)> = Vec::new();
    for (dir, m) in &slices {
        for (index, name) in &m.students {
            let from = dir.join(name);
            if !same_folder(&from, &out.join(name)) {
                copy_dir(&from, &out.join(name))
                    .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
            }
            students.push((*index, read(&from, name)));
        }
    }
    students.sort_by_key(|(i, _)| *i);
    let merged = SliceManifest {
        partition: Partition::WHOLE,
        students: students
            .iter()
            .map(|(i, r)| (*i, r.student.clone()))
            .collect(),
        started_at: slices
            .iter()
            .map(|(_, m)| m.started_at.clone())
            .min()
            .unwrap_or_default(),
        duration_ms: slices.iter().map(|(_, m)| m.duration_ms).max().unwrap_or(0),
        ..first
    };
    json(&out.join("grade-run.json"), &merged)?;
    let results: Vec<StudentResult> = students.into_iter().map(|(_, r)| r).collect();
    write_class(out, &results, &page(&merged, Some(slices.len())))?;
    Ok(missing)
}

/// A student's grade from their folder, or an error grade saying it is missing.
fn read(dir: &Path, student: &str) -> StudentResult {
    let path = dir.join("grade.json");
    match std::fs::read(&path).map(|t| serde_json::from_slice::<StudentResult>(&t)) {
        Ok(Ok(r)) => r,
        _ => StudentResult {
            student: student.to_owned(),
            status: StudentStatus::Error,
            score: Default::default(),
            max: Default::default(),
            bonus: Default::default(),
            reason: Some(format!("no readable {} in its slice", path.display())),
            scenarios: Vec::new(),
            started_at: String::new(),
            duration_ms: 0,
            version: String::new(),
            suite: String::new(),
            suite_hash: String::new(),
            seed: 0,
            command: String::new(),
            rerun: String::new(),
        },
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies the folder `from` into `to` (created), files and subfolders.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
