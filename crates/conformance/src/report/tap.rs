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

use super::words;
use crate::outcome::{RunReport, Status};

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
                    writeln!(w, "  at: {}", yaml_string(&f.location.to_string()))?;
                    writeln!(w, "  step: {}", yaml_string(&f.action))?;
                    writeln!(
                        w,
                        "  expected: {}",
                        yaml_string(&words::expected(&f.expected))
                    )?;
                    writeln!(w, "  got: {}", yaml_string(&words::got(f)))?;
                    if let Some(b) = words::received(f) {
                        writeln!(w, "  bytes: {}", yaml_string(&b))?;
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
