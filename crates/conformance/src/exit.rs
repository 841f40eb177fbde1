//! Exit codes of the `conformance` binary: one table, from which `--help` is written.

/// Every scenario passed.
pub const PASSED: i32 = 0;
/// Some scenario failed or could not run.
pub const FAILED: i32 = 1;
/// A scenario file is invalid, or the command line is wrong.
pub const INVALID: i32 = 2;
/// The target could not be reached at all.
pub const UNREACHABLE: i32 = 3;
/// The run was stopped (a signal, `--time-limit`) before every scenario had its verdict.
pub const STOPPED: i32 = 4;

/// Every exit code and what it means.
pub const TABLE: &[(i32, &str)] = &[
    (PASSED, "every scenario passed"),
    (
        FAILED,
        "some scenario failed, or was not run because the server went down",
    ),
    (INVALID, "invalid scenario file or command line"),
    (
        UNREACHABLE,
        "the target could not be resolved or reached at all",
    ),
    (
        STOPPED,
        "the run was stopped (SIGINT, SIGTERM, --time-limit); the report has the results so far",
    ),
];

/// The table as `--help` shows it.
pub fn help() -> String {
    let mut out = String::from("Exit codes:");
    for (code, meaning) in TABLE {
        out += &format!("\n  {code}  {meaning}");
    }
    out
}
