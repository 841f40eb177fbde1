//! Every report writer fed an arbitrary run (transcripts, received bytes, program output, reasons
//! and hints drawn from the input): none panics, and each output is what its readers parse:
//! JSON, Gradescope and Classroom parse as JSON with one entry per scenario where they promise
//! it; both JUnit families are well-formed XML 1.0 with one `<testcase>` per scenario; TAP has
//! its plan and exactly one test line per scenario, every other line a comment or indented.
//! The student's view goes through the same writers.
#![no_main]

use arbitrary::Unstructured;
use conformance::outcome::RunReport;
use conformance::report::{classroom, gradescope, html, human, json, junit, student, tap};
use libfuzzer_sys::fuzz_target;

fn written(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).expect("writing to memory");
    String::from_utf8(out).expect("reports are UTF-8")
}

fn json_value(text: &str, what: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what} is not JSON: {e}\n{text}"))
}

fn check_json(report: &RunReport) {
    let v = json_value(&written(|w| json::write(report, w)), "json");
    let n = v["scenarios"].as_array().map(Vec::len);
    assert_eq!(n, Some(report.scenarios.len()), "json scenarios");
    json_value(&written(|w| gradescope::write(report, w)), "gradescope");
    json_value(&written(|w| classroom::write(report, w)), "classroom");
}

fn check_junit(report: &RunReport) {
    for family in [junit::Family::Xunit2, junit::Family::Xunit1] {
        let xml = written(|w| junit::write_family(report, w, family));
        let doc = roxmltree::Document::parse(&xml)
            .unwrap_or_else(|e| panic!("junit {family:?} is not XML: {e}\n{xml}"));
        let cases = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(cases, report.scenarios.len(), "junit {family:?} test cases");
    }
}

fn check_tap(report: &RunReport) {
    let tap = written(|w| tap::write(report, w));
    let mut lines = tap.lines();
    assert_eq!(lines.next(), Some("TAP version 13"));
    assert_eq!(
        lines.next(),
        Some(format!("1..{}", report.scenarios.len()).as_str())
    );
    let mut points = 0;
    for line in lines {
        if line.starts_with("ok ") || line.starts_with("not ok ") {
            points += 1;
        } else {
            let other = line.starts_with('#') || line.starts_with("  ");
            assert!(
                other,
                "TAP line neither a test, a comment nor indented: {line:?}\n{tap}"
            );
        }
    }
    assert_eq!(points, report.scenarios.len(), "TAP test lines\n{tap}");
}

fn check_human(report: &RunReport) {
    for color in [false, true] {
        let style = human::Style { color };
        written(|w| human::write(report, w, style));
        for r in &report.scenarios {
            human::line(r, style);
            human::failure_block(r, style);
        }
        human::footer(report, style);
    }
    human::summary(report);
}

fn check_html(report: &RunReport, audience: html::Audience) {
    let page = html::Page {
        student: Some("fuzz"),
        audience,
        rerun: Some("conformance run"),
    };
    written(|w| html::write(report, &page, w));
}

fuzz_target!(|data: &[u8]| {
    let Ok(report) = socket_lab_fuzz::reports::run_report(&mut Unstructured::new(data)) else {
        return;
    };
    check_json(&report);
    check_junit(&report);
    check_tap(&report);
    check_human(&report);
    check_html(&report, html::Audience::Instructor);
    let view = student::student_view(&report);
    check_json(&view);
    check_tap(&view);
    check_html(&view, html::Audience::Student);
});
