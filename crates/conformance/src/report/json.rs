//! The run report as one JSON document: the `RunReport` structure, field for field.
//!
//! ```json
//! {"suite":"core","target":"127.0.0.1:4000","seed":7,"scenarios":[{"id":"hello","status":"passed",...}],
//!  "summary":{"passed":30,"failed":1,...}}
//! ```

use std::io::{self, Write};

use super::RunReport;

/// Writes the report as pretty-printed JSON.
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}
