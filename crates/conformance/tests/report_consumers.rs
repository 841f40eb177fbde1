//! The machine-read reports (JUnit in both families, TAP, Gradescope, GitHub Classroom, the
//! HTML page) of four runs, read the
//! way their consumers read them: a server that passes, one with a wrong answer (and a
//! scenario not selected for the target), one that cannot be reached, one that crashes after
//! its first scenario. A report must never say more than the run found: a dead server is never
//! green, whoever reads it.
//!
//! Each test checks the structure itself, so `cargo test` alone means something. With
//! `CONFORMANCE_REPORTS_DIR` set it also writes the reports there, with the counts the run
//! found (`NAME.expected.json`), for `.ci/consumers.sh` to check with the real consumers:
//! xmlschema against `junit-10.xsd`, junitparser, xunitparser, `prove`, tap-parser, jsonschema,
//! the Classroom reporter's arithmetic, html5lib.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use common::{StudentServer, one_at_a_time, run_with};
use conformance::engine::RunOptions;
use conformance::outcome::{RunReport, ScenarioReport, Status};
use conformance::report::junit::Family;
use conformance::report::{classroom, gradescope, html, junit, tap, words};
use quick_junit::{NonSuccessKind, TestCaseStatus};
use regex::Regex;
use serde_json::{Value, json};

const REPORTS_DIR: &str = "CONFORMANCE_REPORTS_DIR";

fn options(ids: &[&str], udp: bool) -> RunOptions {
    RunOptions {
        seed: 1234,
        udp,
        jobs: 1,
        filter: ids.iter().map(|s| (*s).to_owned()).collect(),
        ..RunOptions::default()
    }
}

fn run(defect: Option<&str>, ids: &[&str], udp: bool) -> RunReport {
    let _serial = one_at_a_time();
    let server = StudentServer::start(defect, &[]);
    run_with(server.addr, options(ids, udp))
}

fn statuses(report: &RunReport) -> Vec<(String, Status)> {
    report
        .scenarios
        .iter()
        .map(|r| (r.id.clone(), r.status))
        .collect()
}

fn owned(expected: &[(&str, Status)]) -> Vec<(String, Status)> {
    expected
        .iter()
        .map(|(id, s)| ((*id).to_owned(), *s))
        .collect()
}

fn text(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("report writes");
    String::from_utf8(out).expect("reports are UTF-8")
}

fn count(report: &RunReport, status: Status) -> usize {
    report
        .scenarios
        .iter()
        .filter(|r| r.status == status)
        .count()
}

#[test]
fn a_passing_server_reads_green_to_every_consumer() {
    let report = run(None, &["hello-twice", "get-file"], true);
    let want = [
        ("hello-twice", Status::Passed),
        ("get-file", Status::Passed),
    ];
    assert_eq!(statuses(&report), owned(&want));
    check_and_emit("passing", &report);
}

#[test]
fn a_wrong_answer_is_a_failure_and_an_unselected_scenario_a_skip() {
    let ids = ["hello-twice", "relay-not-to-author", "udp-relay"];
    let report = run(Some("relay-to-author"), &ids, false);
    let want = [
        ("hello-twice", Status::Passed),
        ("relay-not-to-author", Status::Failed),
        ("udp-relay", Status::Skipped),
    ];
    assert_eq!(statuses(&report), owned(&want));
    check_and_emit("wrong-answer", &report);
}

#[test]
fn an_unreachable_server_is_never_green() {
    let _serial = one_at_a_time();
    // Port 1 on loopback: nothing listens there, the probe is refused at once.
    let report = run_with(
        SocketAddr::from(([127, 0, 0, 1], 1)),
        options(&["hello-twice", "get-file", "ping"], true),
    );
    // In suite order: `ping` runs second in `core`.
    let want = [
        ("ping", Status::NotRun),
        ("hello-twice", Status::NotRun),
        ("get-file", Status::NotRun),
    ];
    assert_eq!(statuses(&report), owned(&want));
    assert!(
        report.unreachable.is_some(),
        "the run knows it never connected"
    );
    check_and_emit("unreachable", &report);
}

#[test]
fn a_server_that_crashes_after_its_first_scenario_is_never_green() {
    let ids = ["hello-twice", "upload-cut-short", "path-escapes", "ping"];
    let report = run(Some("crash-on-disconnect"), &ids, true);
    // The server exits when its own thread sees the reset of `upload-cut-short`, which gives
    // it a moment to: that scenario fails, and from the crash on nothing runs.
    let want = [
        ("ping", Status::Passed),
        ("hello-twice", Status::Passed),
        ("upload-cut-short", Status::Failed),
        ("path-escapes", Status::NotRun),
    ];
    assert_eq!(statuses(&report), owned(&want));
    assert!(!report.summary.all_passed());
    check_and_emit("crash", &report);
}

/// Checks every machine-read format of `report`, and writes them for the real consumers when
/// `CONFORMANCE_REPORTS_DIR` is set.
fn check_and_emit(name: &str, report: &RunReport) {
    let xunit2 = text(|w| junit::write(report, w));
    let xunit1 = text(|w| junit::write_family(report, w, Family::Xunit1));
    let tap = text(|w| tap::write(report, w));
    let gradescope = text(|w| gradescope::write(report, w));
    let classroom = text(|w| classroom::write(report, w));
    let page = html::Page {
        student: Some("alice"),
        audience: html::Audience::Instructor,
        rerun: None,
    };
    let html = text(|w| html::write(report, &page, w));
    assert_eq!(
        xunit2,
        text(|w| junit::write_family(report, w, Family::Xunit2)),
        "write is the Xunit2 family"
    );
    check_junit(report, &xunit2, Family::Xunit2);
    check_junit(report, &xunit1, Family::Xunit1);
    check_tap(report, &tap);
    check_gradescope(report, &gradescope);
    check_classroom(report, &classroom);
    for (format, out) in [
        ("junit xunit2", &xunit2),
        ("junit xunit1", &xunit1),
        ("tap", &tap),
        ("gradescope", &gradescope),
        ("classroom", &classroom),
        ("html", &html),
    ] {
        assert_no_machine_paths(format, out);
    }
    let Some(dir) = std::env::var_os(REPORTS_DIR) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("reports dir");
    let files = [
        ("xunit2.xml", xunit2),
        ("xunit1.xml", xunit1),
        ("tap", tap),
        ("gradescope.json", gradescope),
        ("classroom.json", classroom),
        ("html", html),
        ("expected.json", expected(report)),
    ];
    for (ext, content) in files {
        std::fs::write(dir.join(format!("{name}.{ext}")), content).expect("report file writes");
    }
}

/// What the run found, from the outcome model: what every consumer must read back.
fn expected(report: &RunReport) -> String {
    let s = &report.summary;
    let json = json!({
        "tests": report.scenarios.len(),
        "passed": s.passed,
        "failed": s.failed,
        "errors": s.errors,
        "not_run": s.not_run,
        "skipped": s.skipped,
        "points": s.points,
        "max_points": s.max_points,
        "green": s.all_passed(),
        "graded_tests": report.scenarios.len() - s.skipped,
    });
    serde_json::to_string_pretty(&json).expect("json") + "\n"
}

/// Reports reach students and CI pages: no folder of the grading machine may show. Every path
/// to a scenario of the core suite, relative or absolute, has `conformance/core/` in it.
fn assert_no_machine_paths(format: &str, out: &str) {
    let repo = common::repo().canonicalize().expect("repo path");
    for path in ["conformance/core/", &repo.to_string_lossy()] {
        assert!(
            !out.contains(path),
            "{format} report shows the path {path}:\n{out}"
        );
    }
}

/// The attributes each element may carry under `junit-10.xsd`, the schema Jenkins and pytest
/// validate against: a small stand-in for the schema check `.ci/consumers.sh` runs.
fn xsd_attributes(element: &str) -> &'static [&'static str] {
    match element {
        "testsuites" => &["name", "time", "tests", "failures", "errors"],
        "testsuite" => &[
            "name",
            "tests",
            "failures",
            "errors",
            "group",
            "time",
            "skipped",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
            "version",
        ],
        "testcase" => &["name", "time", "classname", "group"],
        "failure" | "error" | "skipped" => &["type", "message"],
        "property" => &["name", "value"],
        _ => &[],
    }
}

/// Every attribute of every element of `xml`, by element.
fn attributes(xml: &str) -> Vec<(String, BTreeSet<String>)> {
    let tag = Regex::new(r"<([a-z-]+)((?:\s+[a-z_-]+=\x22[^\x22]*\x22)*)\s*/?>").expect("regex");
    let attr = Regex::new(r"([a-z_-]+)=\x22").expect("regex");
    tag.captures_iter(xml)
        .map(|c| {
            let names = attr.captures_iter(&c[2]).map(|a| a[1].to_owned()).collect();
            (c[1].to_owned(), names)
        })
        .collect()
}

fn check_junit_attributes(report: &RunReport, xml: &str, family: Family) {
    for (element, names) in attributes(xml) {
        let mut allowed: BTreeSet<String> = xsd_attributes(&element)
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        if family == Family::Xunit1 && element == "testcase" {
            assert!(names.contains("file") && names.contains("line"), "{xml}");
            allowed.extend(["file".to_owned(), "line".to_owned()]);
        }
        let extra: Vec<_> = names.difference(&allowed).collect();
        assert!(
            extra.is_empty(),
            "{family:?}: <{element}> has attributes junit-10.xsd does not allow: {extra:?}"
        );
    }
    let cases = attributes(xml)
        .iter()
        .filter(|(e, _)| e == "testcase")
        .count();
    assert_eq!(cases, report.scenarios.len());
}

/// What a JUnit reader must find for one scenario.
fn check_junit_case(r: &ScenarioReport, case: &quick_junit::TestCase, family: Family) {
    assert!(case.name.as_str().starts_with(&r.id), "{:?}", case.name);
    let at = format!("{}:{}", words::suite_file(&r.file), words::line(r));
    match (&case.status, r.status) {
        (TestCaseStatus::Success { .. }, Status::Passed) => {}
        (TestCaseStatus::Skipped { message, .. }, Status::Skipped) => {
            let why = r.reason.as_deref().expect("a skip has a reason");
            assert!(message.as_ref().is_some_and(|m| m.contains(why)));
        }
        (
            TestCaseStatus::NonSuccess {
                kind,
                message,
                description,
                ..
            },
            status,
        ) => {
            let (message, description) = (
                message.as_ref().map(|m| m.as_str()).unwrap_or_default(),
                description.as_ref().map(|d| d.as_str()).unwrap_or_default(),
            );
            match status {
                Status::Failed => assert_eq!(*kind, NonSuccessKind::Failure),
                Status::NotRun => {
                    assert_eq!(*kind, NonSuccessKind::Error, "not run is an error");
                    assert!(
                        message.starts_with("not run, because the server"),
                        "{message}"
                    );
                }
                Status::Error => assert_eq!(*kind, NonSuccessKind::Error),
                other => panic!("{}: {other:?} read as a non-success", r.id),
            }
            // Where to look, even for readers that ignore `file`/`line`.
            assert!(description.contains(&at), "{at} not in {description:?}");
        }
        (got, want) => panic!("{}: {want:?} reads as {got:?}", r.id),
    }
    let file = case.extra.get("file").map(|f| f.as_str().to_owned());
    let line = case.extra.get("line").map(|l| l.as_str().to_owned());
    match family {
        Family::Xunit2 => assert_eq!((file, line), (None, None)),
        Family::Xunit1 => assert_eq!(
            (file, line),
            (
                Some(words::suite_file(&r.file)),
                Some(words::line(r).to_string())
            )
        ),
    }
}

fn check_junit(report: &RunReport, xml: &str, family: Family) {
    check_junit_attributes(report, xml, family);
    let parsed = quick_junit::Report::deserialize_from_str(xml).expect("JUnit XML parses");
    let (failed, errors, skipped) = (
        count(report, Status::Failed),
        count(report, Status::Error) + count(report, Status::NotRun),
        count(report, Status::Skipped),
    );
    assert_eq!(
        (parsed.tests, parsed.failures, parsed.errors),
        (report.scenarios.len(), failed, errors)
    );
    let [suite] = &parsed.test_suites[..] else {
        panic!("one <testsuite>, got {}", parsed.test_suites.len());
    };
    assert_eq!(suite.name.as_str(), report.manifest.suite);
    assert_eq!(
        (suite.tests, suite.failures, suite.errors, suite.skipped),
        (report.scenarios.len(), failed, errors, skipped)
    );
    let m = &report.manifest;
    let props: Vec<(String, String)> = suite
        .properties
        .iter()
        .map(|p| (p.name.as_str().to_owned(), p.value.as_str().to_owned()))
        .collect();
    for want in [
        ("seed", m.seed.to_string()),
        ("score", report.summary.points.to_string()),
        ("max_score", report.summary.max_points.to_string()),
        ("suite_hash", m.suite_hash.clone()),
        ("version", m.version.clone()),
    ] {
        let want = (want.0.to_owned(), want.1);
        assert!(props.contains(&want), "{want:?} not in {props:?}");
    }
    assert_eq!(suite.test_cases.len(), report.scenarios.len());
    for (r, case) in report.scenarios.iter().zip(&suite.test_cases) {
        check_junit_case(r, case, family);
    }
}

/// A test point: `ok N - name` or `not ok N - name`, with its directive.
fn test_point(line: &str) -> Option<(bool, usize, &str)> {
    let (ok, rest) = match line.strip_prefix("not ok ") {
        Some(rest) => (false, rest),
        None => (true, line.strip_prefix("ok ")?),
    };
    let (n, name) = rest.split_once(" - ")?;
    Some((ok, n.parse().ok()?, name))
}

/// A YAML diagnostic value uses only the escapes Perl's `TAP::Parser::YAMLish` reads.
fn check_yaml_value(line: &str) {
    let (_, value) = line.split_once(": ").expect("`key: value`");
    assert!(value.starts_with('"') && value.ends_with('"'), "{line}");
    let mut chars = value[1..value.len() - 1].chars();
    while let Some(c) = chars.next() {
        assert!(c != '"' && !c.is_control(), "{line}");
        if c == '\\' {
            let e = chars.next();
            assert!(
                matches!(e, Some('"' | '\\' | 'n' | 'r' | 't' | 'x')),
                "{line}"
            );
        }
    }
}

fn check_tap(report: &RunReport, tap: &str) {
    let lines: Vec<&str> = tap.lines().collect();
    assert_eq!(lines[0], "TAP version 13", "prove 3.44 rejects 14");
    let n = report.scenarios.len();
    let plans: Vec<&&str> = lines.iter().filter(|l| l.starts_with("1..")).collect();
    assert_eq!(plans, [&format!("1..{n}").as_str()], "one plan, and right");
    let points: Vec<(usize, (bool, usize, &str))> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| test_point(l).map(|p| (i, p)))
        .collect();
    assert_eq!(points.len(), n);
    for ((i, (ok, number, name)), (k, r)) in points.iter().zip(report.scenarios.iter().enumerate())
    {
        assert_eq!(*number, k + 1);
        assert!(name.starts_with(&r.id));
        assert_eq!(name.contains("# SKIP"), r.status == Status::Skipped);
        assert_eq!(
            *ok,
            matches!(r.status, Status::Passed | Status::Skipped),
            "{}",
            r.id
        );
        if *ok {
            continue;
        }
        assert_eq!(lines[i + 1], "  ---", "diagnostics under `{}`", lines[*i]);
        let end = lines[i + 1..]
            .iter()
            .position(|l| *l == "  ...")
            .expect("YAML block ends");
        let block = &lines[i + 2..i + 1 + end];
        block.iter().for_each(|l| check_yaml_value(l));
        let message = block[0].strip_prefix("  message: ").expect("message first");
        if r.status == Status::NotRun {
            assert!(message.starts_with("\"not run, because"), "{message}");
        }
    }
}

/// Gradescope's documented fields (GRADING-FORMATS.md); anything else is a typo it ignores.
const GRADESCOPE_TOP: &[&str] = &[
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
];
const GRADESCOPE_TEST: &[&str] = &[
    "name",
    "number",
    "score",
    "max_score",
    "status",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
];

fn check_gradescope_test(r: &ScenarioReport, t: &Value) {
    let keys = t.as_object().expect("a test is an object").keys();
    assert!(
        keys.into_iter()
            .all(|k| GRADESCOPE_TEST.contains(&k.as_str()))
    );
    assert!(t["name"].as_str().expect("name").starts_with(&r.id));
    assert!(t["number"].is_string());
    assert_eq!(t["score"], json!(r.points));
    assert_eq!(t["max_score"], json!(r.max_points));
    let output = t["output"].as_str().expect("output");
    match r.status {
        Status::Passed => assert_eq!(t["status"], "passed"),
        Status::Failed => {
            assert_eq!(t["status"], "failed");
            let f = r.failure.as_ref().expect("a failure");
            let at = format!("at {}", words::location(&f.location));
            assert!(output.contains(&at), "{at} not in {output}");
        }
        Status::NotRun | Status::Error => {
            assert_eq!(t["status"], "failed");
            assert!(
                r.max_points > conformance::outcome::Points::ZERO,
                "a not-run test still costs its points"
            );
            assert!(output.starts_with("not run, because the server") || r.status == Status::Error);
        }
        Status::Skipped => panic!("skipped scenarios are not Gradescope tests"),
    }
}

fn check_gradescope(report: &RunReport, out: &str) {
    let v: Value = serde_json::from_str(out).expect("results.json is JSON");
    let top = v.as_object().expect("an object");
    assert!(top.keys().all(|k| GRADESCOPE_TOP.contains(&k.as_str())));
    assert!(v["execution_time"].is_u64());
    assert_eq!(v["output_format"], "text");
    assert_eq!(v["extra_data"]["seed"], json!(report.manifest.seed));
    let tests = v["tests"].as_array().expect("tests");
    let graded: Vec<&ScenarioReport> = report
        .scenarios
        .iter()
        .filter(|r| r.status != Status::Skipped)
        .collect();
    assert_eq!(tests.len(), graded.len());
    for (r, t) in graded.iter().zip(tests) {
        check_gradescope_test(r, t);
    }
    let sum: u64 = tests.iter().filter_map(|t| t["score"].as_u64()).sum();
    assert_eq!(v["score"], json!(sum));
    assert_eq!(v["score"], json!(report.summary.points));
    if report.unreachable.is_some() {
        let output = v["output"].as_str().expect("output");
        assert!(output.contains("could not be reached"), "{output}");
    }
}

/// GitHub Classroom's reporter adds up `score` over the tests and `max_score` over the runs, and
/// fails the check for any status but `pass`: it must add up to the run's points, and a dead
/// server must never read `pass`.
fn check_classroom(report: &RunReport, json: &str) {
    let v: Value = serde_json::from_str(json).expect("Classroom JSON parses");
    let s = &report.summary;
    assert_eq!(v["version"], 1);
    assert_eq!(v["max_score"], json!(s.max_points));
    let tests = v["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), report.scenarios.len() - s.skipped);
    let sum: f64 = tests
        .iter()
        .map(|t| t["score"].as_f64().expect("a score"))
        .sum();
    assert_eq!(sum, s.points.get());
    let green = s.all_passed() && report.unreachable.is_none();
    assert_eq!(v["status"] == "pass", green, "{json}");
    for t in tests {
        assert!(t["line_no"].as_u64().is_some_and(|l| l > 0), "{t}");
        if t["status"] != "pass" {
            assert!(!t["message"].as_str().unwrap_or_default().is_empty(), "{t}");
        }
    }
}
