//! JUnit XML: one `<testsuite>` per run with the run's manifest in `<properties>`, one
//! `<testcase>` per scenario. A wrong answer is a `<failure>`; a scenario that could not be
//! graded (the server went down: `not_run`, or a harness error) is an `<error>`, never a
//! `<skipped>`, because JUnit readers count skipped cases as success and a dead server must
//! never read green. Only scenarios not selected for this target are `<skipped>`.
//!
//! Two dialects, named after pytest's `junit_family`:
//! - [`Family::Xunit2`] (the default) is valid against the `junit-10.xsd` that Jenkins and
//!   pytest check against: no `file`/`line` on `<testcase>`, no `skipped` on `<testsuites>`;
//!   where a case points to is written at the start of its failure, error or skip text.
//! - [`Family::Xunit1`] adds `file` (relative to the suite folder) and `line` to each
//!   `<testcase>`, for tools that annotate sources (GitHub test-reporter actions, GitLab).
//!
//! ```xml
//! <testsuites name="conformance" tests="3" failures="1" errors="1" time="1.204">
//!   <testsuite name="core" tests="3" failures="1" errors="1" skipped="0" time="1.204" timestamp="...">
//!     <properties><property name="seed" value="1234"/>...</properties>
//!     <testcase name="hello (HELLO-1)" classname="core" time="0.012"/>
//!     <testcase name="bye (BYE-1)" ...><failure message="020-bye.yaml:9:5: expect on a: expected ..." type="wrong answer">...</failure>...</testcase>
//!     <testcase name="ping (PING-1)" ...><error message="not run, because the server went down ..." type="not run">...</error></testcase>
//! ```
//!
//! Written by hand rather than through a JUnit library: which attributes appear is exactly
//! what the two families differ in, and attribute values keep their line breaks (`&#10;`).

use std::io::{self, Write};

use super::words;
use crate::outcome::{RunReport, ScenarioReport, Status};

/// Which JUnit dialect to write (pytest's `junit_family`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Family {
    /// Strictly valid against `junit-10.xsd`: a case's file and line are in its text only.
    #[default]
    Xunit2,
    /// `file` and `line` attributes on every `<testcase>`, for annotating tools; lenient
    /// readers accept them, `junit-10.xsd` does not.
    Xunit1,
}

/// Writes the report as JUnit XML of the default family, [`Family::Xunit2`].
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    write_family(report, w, Family::Xunit2)
}

/// The element a case that did not pass gets, and its `type`: the one mapping both the
/// totals and the cases come from, so they always agree. `None` for a pass.
fn element(s: Status) -> Option<(&'static str, &'static str)> {
    match s {
        Status::Passed => None,
        Status::Failed => Some(("failure", "wrong answer")),
        // The program was not graded: an error, so that no reader counts it as a pass.
        Status::NotRun => Some(("error", "not run")),
        Status::Error => Some(("error", "harness error")),
        Status::Skipped => Some(("skipped", "not selected")),
    }
}

/// Writes the report as JUnit XML of `family`.
pub fn write_family(report: &RunReport, w: &mut impl Write, family: Family) -> io::Result<()> {
    let count = |tag: &str| {
        report
            .scenarios
            .iter()
            .filter(|r| element(r.status).is_some_and(|(t, _)| t == tag))
            .count()
    };
    let (tests, failures, errors, skipped) = (
        report.scenarios.len(),
        count("failure"),
        count("error"),
        count("skipped"),
    );
    let m = &report.manifest;
    let time = seconds(m.duration_ms);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="{}" tests="{tests}" failures="{failures}" errors="{errors}" time="{time}">"#,
        attr(&m.tool)
    )?;
    writeln!(
        w,
        r#"  <testsuite name="{}" tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}" time="{time}" timestamp="{}">"#,
        attr(&m.suite),
        attr(&m.started_at)
    )?;
    properties(report, w)?;
    for r in &report.scenarios {
        testcase(r, &m.suite, family, w)?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

/// The run's manifest: enough to tell which suite, which tool and which seed gave this score.
fn properties(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    let m = &report.manifest;
    let s = &report.summary;
    let props = [
        ("tool", m.tool.clone()),
        ("version", m.version.clone()),
        ("suite", m.suite.clone()),
        ("suite_hash", m.suite_hash.clone()),
        ("seed", m.seed.to_string()),
        ("score", s.points.to_string()),
        ("max_score", s.max_points.to_string()),
    ];
    writeln!(w, "    <properties>")?;
    for (name, value) in props {
        writeln!(
            w,
            r#"      <property name="{name}" value="{}"/>"#,
            attr(&value)
        )?;
    }
    writeln!(w, "    </properties>")
}

/// One scenario: its verdict element, and for a failure the full text in `<system-out>`
/// (GitLab shows a case's `<system-out>`, Jenkins its failure text).
fn testcase(r: &ScenarioReport, suite: &str, family: Family, w: &mut impl Write) -> io::Result<()> {
    let mut head = format!(
        r#"<testcase name="{}" classname="{}" time="{}""#,
        attr(&super::words::id_and_requirements(r)),
        attr(suite),
        seconds(r.duration_ms)
    );
    if family == Family::Xunit1 {
        head += &format!(
            r#" file="{}" line="{}""#,
            attr(&words::suite_file(&r.file)),
            words::line(r)
        );
    }
    let Some((tag, ty, message, body)) = verdict(r) else {
        return writeln!(w, "    {head}/>");
    };
    writeln!(w, "    {head}>")?;
    writeln!(
        w,
        r#"      <{tag} message="{}" type="{ty}">{}</{tag}>"#,
        attr(&message),
        text(&body)
    )?;
    let full = words::failure_text(r);
    if !full.is_empty() {
        writeln!(w, "      <system-out>{}</system-out>", text(&full))?;
    }
    writeln!(w, "    </testcase>")
}

/// The element under a case that did not pass: tag, type, message, text. The text starts
/// with `file:line`, so readers without those attributes still point at the source.
fn verdict(r: &ScenarioReport) -> Option<(&'static str, &'static str, String, String)> {
    let (tag, ty) = element(r.status)?;
    let at = format!("{}:{}", words::suite_file(&r.file), words::line(r));
    let (message, body) = match (&r.failure, words::no_verdict(r)) {
        (Some(f), _) => {
            let mut body = format!(
                "at {}, step {}: {}\nexpected: {}\n     got: {}\n",
                words::location(&f.location),
                f.step,
                f.action,
                words::expected_of(f),
                words::got(f)
            );
            if let Some(h) = &r.hint {
                body += &format!("hint: {h}\n");
            }
            (words::failure_summary(f), body)
        }
        (None, Some(why)) => (why.clone(), format!("at {at}: {why}\n")),
        (None, None) => (String::new(), format!("at {at}\n")),
    };
    Some((tag, ty, message, body))
}

/// Seconds with three decimals: what `junit-10.xsd`'s `SUREFIRE_TIME` accepts.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Element text: markup escaped, characters XML 1.0 cannot carry shown as `\xHH`.
fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value: as [`text`], and quotes and line breaks as character references, which
/// a parser would otherwise turn into spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' if in_attr => out += "&quot;",
            '\n' if in_attr => out += "&#10;",
            '\r' => out += "&#13;",
            '\t' if in_attr => out += "&#9;",
            '\n' | '\t' => out.push(c),
            // Not allowed in XML 1.0 at all, not even as a reference.
            c if (c as u32) < 0x20 => out += &format!("\\x{:02x}", c as u32),
            '\u{fffe}' | '\u{ffff}' => out += &format!("\\u{{{:04x}}}", c as u32),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{attr, text};

    #[test]
    fn attributes_keep_line_breaks_and_drop_what_xml_cannot_carry() {
        let s = "a\"b<c>&d\ne\tf\r\x01\u{fffe}é";
        assert_eq!(
            attr(s),
            "a&quot;b&lt;c&gt;&amp;d&#10;e&#9;f&#13;\\x01\\u{fffe}é"
        );
        assert_eq!(text(s), "a\"b&lt;c&gt;&amp;d\ne\tf&#13;\\x01\\u{fffe}é");
        // A parser reads the attribute back with its line break, not a space.
        let xml = format!(
            r#"<testsuites><testsuite name="{}" tests="0" failures="0" errors="0"/></testsuites>"#,
            attr("one\ntwo")
        );
        let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("parses");
        assert_eq!(parsed.test_suites[0].name.as_str(), "one\ntwo");
    }
}
