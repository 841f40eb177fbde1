//! `gradebook.csv`: one row per student, in roster order.
//!
//! ```text
//! student,score,max,status,hello,ping,...,bonus,flaky,seconds,reason,rerun
//! alice,94,94,passed,2,2,...,0,,3.5,,conformance run --suite core --spawn '...' ...
//! bob,0,94,did_not_start,0,0,...,0,,0.6,your program exited with status 1 ...,conformance run ...
//! ```
//!
//! A scenario's column holds the points earned, empty when the scenario was skipped (not for
//! that run) or is not in the student's report. `flaky` lists the scenarios that failed, then
//! passed when run again; `rerun` is the command that grades the student again, with the same
//! seed, and prints the report (for disputes).

use std::io::Write;

use crate::outcome::Status;

use super::result::StudentResult;

/// The scenario columns: every scenario some student's report has, in suite order.
pub fn scenario_columns(results: &[StudentResult]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in results {
        for g in &r.scenarios {
            if !ids.contains(&g.id) {
                ids.push(g.id.clone());
            }
        }
    }
    ids
}

/// Writes the gradebook of `results` (already in roster order).
pub fn write(results: &[StudentResult], w: impl Write) -> csv::Result<()> {
    let ids = scenario_columns(results);
    let mut out = csv::Writer::from_writer(w);
    let mut header: Vec<&str> = vec!["student", "score", "max", "status"];
    header.extend(ids.iter().map(String::as_str));
    header.extend(["bonus", "flaky", "seconds", "reason", "rerun"]);
    out.write_record(&header)?;
    for r in results {
        let mut row = vec![
            r.student.clone(),
            r.score.to_string(),
            r.max.to_string(),
            r.status.as_str().to_owned(),
        ];
        for id in &ids {
            let cell = r
                .scenarios
                .iter()
                .find(|g| &g.id == id)
                .filter(|g| g.status != Status::Skipped)
                .map(|g| g.points.to_string())
                .unwrap_or_default();
            row.push(cell);
        }
        row.push(r.bonus.to_string());
        row.push(r.flaky().join(" "));
        row.push(format!("{:.1}", r.duration_ms as f64 / 1000.0));
        row.push(r.reason.clone().unwrap_or_default());
        row.push(r.rerun.clone());
        out.write_record(&row)?;
    }
    out.flush()?;
    Ok(())
}
