//! JUnit XML: one `<testsuite>` per run, one `<testcase>` per scenario, with `file` and `line`;
//! a wrong answer is a `<failure>`, a harness problem an `<error>`, skipped and not-run cases
//! `<skipped>`. The transcript goes to the case's `<system-out>`.
//!
//! ```xml
//! <testsuites name="conformance" tests="2" failures="1" errors="0">
//!   <testsuite name="core" tests="2" failures="1">
//!     <testcase name="hello" classname="core" file="conformance/core/010-hello.yaml" line="1"/>
//!     <testcase name="bye" ...><failure message="expected: BYE ..." type="wrong answer">...</failure></testcase>
//! ```

use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{human, words};
use crate::outcome::{RunReport, Status};

/// Writes the report as JUnit XML.
pub fn write(report: &RunReport, w: &mut impl Write) -> io::Result<()> {
    let mut junit = Report::new("conformance");
    let mut suite = TestSuite::new(report.manifest.suite.clone());
    for r in &report.scenarios {
        let status = match r.status {
            Status::Passed => TestCaseStatus::success(),
            Status::Skipped | Status::NotRun => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(r.reason.clone().unwrap_or_default());
                s
            }
            Status::Failed | Status::Error => {
                let kind = if r.status == Status::Failed {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                match &r.failure {
                    Some(f) => {
                        s.set_message(format!(
                            "{}: expected {}, got {}",
                            f.action,
                            words::expected(&f.expected),
                            words::got(f)
                        ));
                        s.set_type(if r.status == Status::Failed {
                            "wrong answer"
                        } else {
                            "harness error"
                        });
                        s.set_description(format!(
                            "at {}\nexpected: {}\n     got: {}\n{}",
                            f.location,
                            words::expected(&f.expected),
                            words::got(f),
                            r.hint.clone().unwrap_or_default()
                        ));
                    }
                    None => {
                        s.set_message(r.reason.clone().unwrap_or_default());
                    }
                }
                s
            }
        };
        let mut case = TestCase::new(format!("{} ({})", r.id, r.requirements.join(", ")), status);
        case.set_classname(report.manifest.suite.clone());
        case.set_time(Duration::from_millis(r.duration_ms));
        case.extra.insert("file".into(), r.file.clone().into());
        case.extra.insert("line".into(), r.line.to_string().into());
        if r.failure.is_some() {
            case.set_system_out(human::failure_block(r, human::Style { color: false }));
        }
        suite.add_test_case(case);
    }
    suite.set_time(Duration::from_millis(report.manifest.duration_ms));
    junit.add_test_suite(suite);
    junit.set_time(Duration::from_millis(report.manifest.duration_ms));
    junit.serialize(&mut *w).map_err(io::Error::other)?;
    w.write_all(b"\n")
}
