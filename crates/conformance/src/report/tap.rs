//! TAP version 13: one test point per scenario, YAML diagnostics under every `not ok`.
//!
//! Version 13, not 14: nothing here needs 14 (no subtests), and Debian's Perl `prove` (3.44)
//! rejects the line `TAP version 14` while every consumer reads 13. A scenario the server was
//! not up for (`not_run`) is `not ok` with the reason in its diagnostics: a harness must never
//! count it as a pass. Only scenarios not selected for this target are `# SKIP`.
//!
//! ```text
//! TAP version 13
//! 1..3
//! # conformance 0.1.0, suite core (sha256 3f9a...), seed 1234
//! ok 1 - hello (HELLO-1)
//! not ok 2 - bye (BYE-1)
//!   ---
//!   message: "020-bye.yaml:9:5: expect on a: expected ..., got ..."
//!   status: "failed"
//!   at: "020-bye.yaml:9:5"
//!   ...
//! not ok 3 - ping (PING-1, PING-2)
//!   ---
//!   message: "not run, because the server went down after scenario `bye` (...)"
//!   status: "not_run"
//!   at: "090-ping.yaml:1"
//!   ...
//! # score: 2/5 points; 1 passed, 1 failed, 0 skipped, 1 not run
//! ```

use std::io::{self, Write};

use super::words;
use crate::outcome::{RunReport, ScenarioReport, Status};

/// A YAML double-quoted scalar that the smallest YAML readers read back exactly: Perl's
/// `TAP::Parser::YAMLish` knows `\"`, `\\`, `\n`, `\r`, `\t` and `\xHH`, and no `\u` escape,
/// so control characters are written as `\xHH` (valid YAML as well).
fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\n' => out += "\\n",
            '\r' => out += "\\r",
            '\t' => out += "\\t",
            // Every control character (C0, DEL, C1) is below U+0100: two hex digits hold it.
            c if c.is_control() => out += &format!("\\x{:02x}", c as u32),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A test point's description: `#` would start a directive, so it is escaped as TAP says.
fn description(r: &ScenarioReport) -> String {
    super::words::id_and_requirements(r)
        .replace('\\', "\\\\")
        .replace('#', "\\#")
}

/// Writes the report as TAP 13.
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    let m = &report.manifest;
    writeln!(w, "TAP version 13")?;
    writeln!(w, "1..{}", report.scenarios.len())?;
    // One comment line, whatever the suite's name holds: a line break in it would end the
    // comment and could forge a test line.
    let about = format!(
        "{} {}, suite {} (sha256 {}), seed {}",
        m.tool, m.version, m.suite, m.suite_hash, m.seed
    );
    writeln!(w, "# {}", words::one_line(&about))?;
    for (i, r) in report.scenarios.iter().enumerate() {
        let (n, name) = (i + 1, description(r));
        match r.status {
            Status::Passed => writeln!(w, "ok {n} - {name}")?,
            Status::Skipped => writeln!(
                w,
                "ok {n} - {name} # SKIP {}",
                words::one_line(r.reason.as_deref().unwrap_or("not selected"))
            )?,
            Status::Failed | Status::Error | Status::NotRun => {
                writeln!(w, "not ok {n} - {name}")?;
                diagnostics(r, w)?;
            }
        }
    }
    let s = &report.summary;
    writeln!(
        w,
        "# score: {}/{} points; {} passed, {} failed, {} skipped, {} not run",
        s.points,
        s.max_points,
        s.passed,
        s.failed + s.errors,
        s.skipped,
        s.not_run
    )
}

/// The YAML block under a `not ok`: a one-line `message` first (what harnesses show), then
/// the details.
fn diagnostics(r: &ScenarioReport, w: &mut impl Write) -> io::Result<()> {
    let status = match r.status {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Error => "error",
        Status::Skipped => "skipped",
        Status::NotRun => "not_run",
    };
    writeln!(w, "  ---")?;
    match (&r.failure, words::no_verdict(r)) {
        (Some(f), _) => {
            writeln!(w, "  message: {}", yaml_string(&words::failure_summary(f)))?;
            writeln!(w, "  status: {}", yaml_string(status))?;
            writeln!(w, "  at: {}", yaml_string(&words::location(&f.location)))?;
            writeln!(w, "  step: {}", yaml_string(&f.action))?;
            let expected = words::expected_of(f);
            writeln!(w, "  expected: {}", yaml_string(&expected))?;
            writeln!(w, "  got: {}", yaml_string(&words::got(f)))?;
            if let Some(b) = words::received(f) {
                writeln!(w, "  bytes: {}", yaml_string(&b))?;
            }
        }
        (None, why) => {
            let why = why.unwrap_or_default();
            writeln!(w, "  message: {}", yaml_string(&why))?;
            writeln!(w, "  status: {}", yaml_string(status))?;
            let at = format!("{}:{}", words::suite_file(&r.file), r.line);
            writeln!(w, "  at: {}", yaml_string(&at))?;
        }
    }
    if let Some(h) = &r.hint {
        writeln!(w, "  hint: {}", yaml_string(h))?;
    }
    writeln!(w, "  ...")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::yaml_string;
    use crate::engine::{RunOptions, report_without_run};
    use crate::scenario::{Source, load_suite_from};

    /// Found by fuzzing (fuzz/, target report_writers): a suite named with a line break wrote
    /// the rest of its name as a line of its own, which could read as a test line.
    #[test]
    fn a_suite_name_with_a_line_break_stays_in_its_comment() {
        let manifest = Source::new("suite.yaml", "name: \"core\\nok 2 - forged\"\ntitle: t\n");
        let suite = load_suite_from(Path::new("."), &manifest, &[]).expect("loads");
        assert_eq!(suite.name, "core\nok 2 - forged");
        let report = report_without_run(&suite, "nowhere", &RunOptions::default(), "down");
        let mut out = Vec::new();
        super::write(&report, &mut out).expect("writes");
        let tap = String::from_utf8(out).expect("UTF-8");
        let lines: Vec<&str> = tap.lines().collect();
        assert_eq!(lines[..2], ["TAP version 13", "1..0"]);
        assert!(lines[2].starts_with("# conformance ") && lines[2].contains("suite core ok 2"));
        assert!(lines[3].starts_with("# score: "), "{tap}");
        assert_eq!(lines.len(), 4, "{tap}");
    }

    #[test]
    fn yaml_strings_use_only_the_escapes_yamlish_reads() {
        assert_eq!(
            yaml_string("say \"hi\" \\ now\r\n\t\x1b\u{85}é"),
            r#""say \"hi\" \\ now\r\n\t\x1b\x85é""#
        );
    }
}
