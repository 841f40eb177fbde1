//! The class's files once its students are graded: each `grade.json` with the command that
//! graded it, `grade-run.json` (what this slice is: enough for `grade merge` to check that
//! slices belong together), `gradebook.csv`, `index.html`, `summary.txt`; and the summary on
//! the terminal.

use std::path::Path;

use conformance::grade::{ClassSummary, Entry, Partition, StudentResult, gradebook};
use conformance::report::bundle::replace;
use conformance::report::html::class::{self, ClassPage};
use serde::{Deserialize, Serialize};

use super::Plan;

/// How the grading went, for the class page.
pub struct Meta {
    /// When it started, RFC 3339.
    pub started_at: String,
    /// How long it took.
    pub duration_ms: u64,
    /// The isolation, in words.
    pub isolation: String,
}

/// `grade-run.json`: what a slice was graded with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SliceManifest {
    /// `conformance`'s version.
    pub version: String,
    /// SHA-256 of the roster file: slices of one roster carry the same.
    pub roster_hash: String,
    /// The suite and its hash.
    pub suite: String,
    /// SHA-256 of the suite's files.
    pub suite_hash: String,
    /// The suite's title.
    pub suite_title: String,
    /// The seed of every student's run.
    pub seed: u64,
    /// The slice.
    pub partition: Partition,
    /// The students of the slice: roster position and name.
    pub students: Vec<(usize, String)>,
    /// How submissions were kept apart.
    pub isolation: String,
    /// When grading started.
    pub started_at: String,
    /// How long it took.
    pub duration_ms: u64,
}

/// Writes every class file of a graded slice, and prints the summary.
pub fn finish(
    plan: &Plan,
    entries: &[Entry],
    results: &[StudentResult],
    meta: &Meta,
) -> Result<(), String> {
    for r in results {
        let dir = plan.out.join(&r.student);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
        json(&dir.join("grade.json"), r)?;
    }
    let manifest = SliceManifest {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        roster_hash: plan.roster.hash.clone(),
        suite: plan.suite.name.clone(),
        suite_hash: plan.suite.hash.clone(),
        suite_title: plan.suite.title.clone(),
        seed: plan.seed,
        partition: plan.partition,
        students: entries
            .iter()
            .map(|e| (e.index, e.student.clone()))
            .collect(),
        isolation: meta.isolation.clone(),
        started_at: meta.started_at.clone(),
        duration_ms: meta.duration_ms,
    };
    json(&plan.out.join("grade-run.json"), &manifest)?;
    write_class(&plan.out, results, &page(&manifest, None))?;
    Ok(())
}

/// The class page's title and facts.
pub fn page(m: &SliceManifest, merged: Option<usize>) -> ClassPage {
    let mut facts = vec![
        format!("suite {}", m.suite),
        format!("seed {}", m.seed),
        format!(
            "suite hash {}",
            m.suite_hash.chars().take(16).collect::<String>()
        ),
        format!("started {}", m.started_at),
        format!("{:.1} s", m.duration_ms as f64 / 1000.0),
        format!("isolation: {}", m.isolation),
    ];
    match merged {
        Some(n) => facts.push(format!("merged from {n} slice(s)")),
        None if m.partition.count > 1 => facts.push(format!("slice {}", m.partition)),
        None => {}
    }
    facts.push(format!("conformance {}", m.version));
    ClassPage {
        title: m.suite_title.clone(),
        facts,
    }
}

/// Writes `gradebook.csv`, `index.html` and `summary.txt` of `results` into `out`, and prints
/// the summary (on stdout; progress goes to stderr).
pub fn write_class(out: &Path, results: &[StudentResult], page: &ClassPage) -> Result<(), String> {
    let summary = ClassSummary::of(results);
    let fail =
        |what: &str, e: std::io::Error| format!("cannot write {what} in {}: {e}", out.display());
    replace(&out.join("gradebook.csv"), |w| {
        gradebook::write(results, w).map_err(std::io::Error::other)
    })
    .map_err(|e| fail("gradebook.csv", e))?;
    replace(&out.join("index.html"), |w| {
        class::write(&summary, results, page, &mut { w })
    })
    .map_err(|e| fail("index.html", e))?;
    let text = summary.text();
    replace(&out.join("summary.txt"), |w| w.write_all(text.as_bytes()))
        .map_err(|e| fail("summary.txt", e))?;
    crate::commands::print(&format!(
        "\n{text}\ngradebook: {}\nclass page: {}\n",
        out.join("gradebook.csv").display(),
        out.join("index.html").display()
    ));
    Ok(())
}

/// Writes `value` as pretty JSON to `path`.
pub fn json(path: &Path, value: &impl Serialize) -> Result<(), String> {
    replace(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
    .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
