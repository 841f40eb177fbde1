//! Snapshots of what people read: the reports of runs against broken servers, in every format,
//! and the checker's diagnostics for invalid scenario files. Ports and times are redacted;
//! seeds are fixed, so names and payloads are stable.

mod common;

use common::{StudentServer, one_at_a_time, repo, run_with};
use conformance::engine::RunOptions;
use conformance::outcome::RunReport;
use conformance::report::{self, human};

fn run(defect: &str, ids: &[&str]) -> RunReport {
    let _serial = one_at_a_time();
    let server = StudentServer::start(Some(defect), &[]);
    let opts = RunOptions {
        seed: 1234,
        udp: true,
        filter: ids.iter().map(|s| (*s).to_owned()).collect(),
        ..RunOptions::default()
    };
    run_with(server.addr, opts)
}

fn text(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("report writes");
    String::from_utf8(out).expect("reports are UTF-8")
}

macro_rules! redacted {
    ($($body:tt)*) => {
        insta::with_settings!({ filters => vec![
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            (r#"[^\s"']*conformance/core/"#, "conformance/core/"),
            (r#""duration_ms": \d+"#, r#""duration_ms": "[MS]""#),
            (r"\(\d+\.\d s\)", "([TIME])"),
            (r#"time="[0-9.]+""#, r#"time="[TIME]""#),
            (r#""execution_time": \d+"#, r#""execution_time": "[S]""#),
            (r#""started_at": "[^"]*""#, r#""started_at": "[TIME]""#),
            (r#""suite_hash": "[0-9a-f]*""#, r#""suite_hash": "[HASH]""#),
            (r#"timestamp="[^"]*""#, r#"timestamp="[TIME]""#),
            (r#"name="suite_hash" value="[0-9a-f]*""#, r#"name="suite_hash" value="[HASH]""#),
            (r"sha256 [0-9a-f]{64}", "sha256 [HASH]"),
        ]}, { $($body)* });
    };
}

#[test]
fn relay_to_author_in_every_format() {
    let report = run("relay-to-author", &["relay-not-to-author", "hello"]);
    let plain = human::Style { color: false };
    redacted! {
        insta::assert_snapshot!("relay_to_author_human", text(|w| human::write(&report, w, plain)));
        insta::assert_snapshot!("relay_to_author_json", text(|w| report::json::write(&report, w)));
        insta::assert_snapshot!("relay_to_author_junit", text(|w| report::junit::write(&report, w)));
        insta::assert_snapshot!("relay_to_author_junit_xunit1", text(|w| report::junit::write_family(&report, w, report::junit::Family::Xunit1)));
        insta::assert_snapshot!("relay_to_author_tap", text(|w| report::tap::write(&report, w)));
        insta::assert_snapshot!("relay_to_author_gradescope", text(|w| report::gradescope::write(&report, w)));
    }
}

/// A server that never answers, as CI and Gradescope read it: every scenario an error or a
/// failed test with its points and the reason, never a skip.
#[test]
fn unreachable_server_in_machine_formats() {
    let _serial = one_at_a_time();
    // Nothing listens on port 1: the probe is refused at once, on every machine.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
    let opts = RunOptions {
        seed: 1234,
        filter: vec!["hello-twice".into(), "ping".into()],
        ..RunOptions::default()
    };
    let report = run_with(addr, opts);
    redacted! {
        insta::assert_snapshot!("unreachable_junit", text(|w| report::junit::write(&report, w)));
        insta::assert_snapshot!("unreachable_tap", text(|w| report::tap::write(&report, w)));
        insta::assert_snapshot!("unreachable_gradescope", text(|w| report::gradescope::write(&report, w)));
    }
}

#[test]
fn no_close_after_bye_human() {
    let report = run("no-close-after-bye", &["bye"]);
    redacted! {
        insta::assert_snapshot!(text(|w| human::write(&report, w, human::Style { color: false })));
    }
}

#[test]
fn pipelining_broken_human() {
    let report = run("pipelining-broken", &["pipelined"]);
    redacted! {
        insta::assert_snapshot!(text(|w| human::write(&report, w, human::Style { color: false })));
    }
}

#[test]
fn server_that_dies_is_reported_down_human() {
    let report = run(
        "crash-on-disconnect",
        &["upload-cut-short", "path-escapes", "ping"],
    );
    // Where inside `upload-cut-short` the dying server is first seen depends on when its own
    // thread notices the reset: keep the verdicts and the score, not the failure's details.
    let plain = human::Style { color: false };
    let mut shown: String = report
        .scenarios
        .iter()
        .map(|r| human::line(r, plain))
        .collect();
    shown += &human::summary(&report);
    // Refused or reset: how the probe finds the server gone is the OS's timing.
    insta::with_settings!({ filters => vec![
        (r"\(the server went down after scenario `([a-z-]+)` \(.*\)\)", "(the server went down after scenario `$1` ([WHY]))"),
        (r"\(\d+\.\d s\)", "([TIME])"),
    ]}, {
        insta::assert_snapshot!(shown);
    });
}

/// The checker's diagnostics, as a person reads them: no colour, fixture paths shortened.
fn diagnostics(paths: &[std::path::PathBuf]) -> String {
    let err = conformance::scenario::check_files(paths).expect_err("invalid on purpose");
    let mut out = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100);
    handler.render_report(&mut out, &err).expect("renders");
    out
}

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// One fixture per family of loader diagnostics, each snapshotted alone.
#[test]
fn checker_diagnostics_for_invalid_scenarios() {
    for file in files_in(&repo().join("fixtures/scenarios/invalid")) {
        let out = diagnostics(std::slice::from_ref(&file));
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("file")
            .to_owned();
        insta::with_settings!({ filters => vec![(r"[^\s\[]*fixtures/scenarios/invalid/", "fixtures/scenarios/invalid/")] }, {
            insta::assert_snapshot!(format!("check_{name}"), out);
        });
    }
}

/// Diagnostics that need a whole folder: a broken manifest, an id used twice.
#[test]
fn checker_diagnostics_for_invalid_suites() {
    for name in ["invalid-manifest", "duplicate-ids"] {
        let out = diagnostics(&files_in(&repo().join("fixtures/scenarios").join(name)));
        insta::with_settings!({ filters => vec![(r"[^\s\[]*fixtures/scenarios/", "fixtures/scenarios/")] }, {
            insta::assert_snapshot!(format!("check_{name}"), out);
        });
    }
    // Loading the suite reports the duplicate the same way.
    let dir = repo().join("fixtures/scenarios/duplicate-ids");
    let err = conformance::scenario::load_suite(&dir).expect_err("duplicate ids");
    assert_eq!(err.errors.len(), 1);
    assert!(
        err.errors[0]
            .message
            .starts_with("scenario id `ping-twice` is also used at")
    );
}
