//! The run report as one JSON document: the [`RunReport`] structure, field for field, with bytes
//! in the escaped notation.
//!
//! ```json
//! {"suite":"core","target":"127.0.0.1:4000","seed":7,"scenarios":[{"id":"hello","status":"passed",...}],
//!  "summary":{"passed":30,"failed":1,...}}
//! ```

use std::io::{self, Write};

use serde::Serializer;

use crate::outcome::RunReport;

/// Writes the report as pretty-printed JSON.
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}

/// Serializes bytes as a string in the escaped notation.
pub(crate) fn escaped<S: Serializer>(bytes: &bytes::Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&super::words::escape(bytes))
}

/// Serializes optional bytes as a string in the escaped notation, or null.
pub(crate) fn escaped_opt<S: Serializer>(
    bytes: &Option<bytes::Bytes>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => escaped(b, s),
        None => s.serialize_none(),
    }
}

/// Serializes a value by its `Display` (wire's verbs and fields).
pub(crate) fn display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}
