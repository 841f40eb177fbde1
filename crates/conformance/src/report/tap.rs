//! TAP version 14: one test point per scenario, YAML diagnostics on failures.
//!
//! ```text
//! TAP version 14
//! 1..2
//! ok 1 - hello
//! not ok 2 - bye-closes
//!   ---
//!   message: "expected: ..."
//!   ...
//! ```

use std::io::{self, Write};

use super::{RunReport, Status};

fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// Writes the report as TAP 14.
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    writeln!(w, "TAP version 14")?;
    writeln!(w, "1..{}", report.scenarios.len())?;
    for (i, r) in report.scenarios.iter().enumerate() {
        let n = i + 1;
        let name = format!("{} ({})", r.id, r.requirements.join(", "));
        match r.status {
            Status::Passed => writeln!(w, "ok {n} - {name}")?,
            Status::Skipped => writeln!(
                w,
                "ok {n} - {name} # SKIP {}",
                r.reason.as_deref().unwrap_or("")
            )?,
            Status::Failed | Status::Error | Status::NotRun => {
                writeln!(w, "not ok {n} - {name}")?;
                writeln!(w, "  ---")?;
                if let Some(f) = &r.failure {
                    writeln!(w, "  at: {}", yaml_string(&f.location))?;
                    writeln!(w, "  step: {}", yaml_string(&f.action))?;
                    writeln!(w, "  expected: {}", yaml_string(&f.expected))?;
                    writeln!(w, "  got: {}", yaml_string(&f.got))?;
                    if let Some(b) = &f.bytes {
                        writeln!(w, "  bytes: {}", yaml_string(b))?;
                    }
                }
                if let Some(reason) = &r.reason {
                    writeln!(w, "  message: {}", yaml_string(reason))?;
                }
                if let Some(h) = &r.hint {
                    writeln!(w, "  hint: {}", yaml_string(h))?;
                }
                writeln!(w, "  ...")?;
            }
        }
    }
    Ok(())
}
