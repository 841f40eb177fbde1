//! The `conformance` binary as a user meets it: usage errors for values that mean nothing, a
//! report in every case, a run stopped from outside that still reports, a closed stdout that is
//! not a panic, colour only where it belongs.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conformance"));
    cmd.env_remove("NO_COLOR").env_remove("TERM");
    cmd
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("conformance runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn values_that_mean_nothing_are_usage_errors() {
    for args in [
        &["run", "--timeout-scale", "inf"][..],
        &["run", "--timeout-scale", "1e300"],
        &["run", "--timeout-scale", "nan"],
        &["run", "--timeout-scale", "0"],
        &["run", "--jobs", "0"],
        &["run", "--time-limit", "soon"],
        &["run", "--var", "novalue"],
    ] {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}");
    }
}

#[test]
fn a_selection_of_nothing_is_an_error_not_a_green_run() {
    let out = run(&["run", "--filter", "no-such-scenario"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("select none of the"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["run", "--var", "nope=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("has no such variable"));
}

/// A malformed target is exit 2, an unreachable one exit 3: each with a report that says why.
#[test]
fn a_bad_target_still_gets_a_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (target, code, says) in [
        ("127.0.0.1", 2, "has no port"),
        (":99999", 2, "has no host"),
        ("http://127.0.0.1:80", 2, "not a URL"),
        ("127.0.0.1:1", 3, "never answered"),
    ] {
        let report = dir.path().join("results.json");
        let out = run(&[
            "run",
            "--target",
            target,
            "--format",
            "gradescope",
            "--output",
            report.to_str().expect("UTF-8 path"),
        ]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{target}: {}",
            text(&out.stderr)
        );
        let written = std::fs::read_to_string(&report).expect("a report is written");
        assert!(written.contains(says), "{target}: {written}");
        assert!(written.contains("\"max_score\""), "{target}");
        std::fs::remove_file(&report).expect("remove");
    }
}

#[test]
fn an_unwritable_output_is_found_before_the_run() {
    let started = Instant::now();
    let out = run(&["run", "--output", "/nonexistent-folder/report.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot write /nonexistent-folder/report.json"));
    // Before the run: no scenario started.
    assert!(!text(&out.stdout).contains("pass"), "{}", text(&out.stdout));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    for args in [&["list"][..], &["run"], &["suites"]] {
        let mut child = bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        // Read one line, then close the pipe, as `| head -1` does.
        let mut stdout = child.stdout.take().expect("piped");
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).expect("some output");
        drop(stdout);
        let out = child.wait_with_output().expect("waits");
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
}

#[test]
fn a_time_limit_stops_the_run_with_the_verdicts_so_far() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.json");
    // The slow scenarios wait 28 s and more: a 3 s limit stops the run inside them.
    let out = run(&[
        "run",
        "--slow",
        "--tag",
        "slow",
        "--time-limit",
        "3s",
        "--format",
        "json",
        "--output",
        report.to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    assert!(
        json["stopped"]
            .as_str()
            .is_some_and(|s| s.contains("time limit")),
        "{json}"
    );
    let statuses: Vec<&str> = json["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["status"].as_str())
        .collect();
    assert!(statuses.iter().all(|s| *s == "not_run"), "{statuses:?}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_and_the_report_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("results.json");
    let child = bin()
        .args([
            "run",
            "--slow",
            "--tag",
            "slow",
            "--format",
            "gradescope",
            "--output",
        ])
        .arg(&report)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // The run has started once its header is printed on stderr.
    let mut child = child;
    let mut stderr = child.stderr.take().expect("piped");
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\n") {
        stderr.read_exact(&mut byte).expect("the header");
        seen.push(byte[0]);
    }
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("signal");
    let out = child.wait_with_output().expect("waits");
    assert_eq!(out.status.code(), Some(4));
    let written = std::fs::read_to_string(&report).expect("the report is written");
    assert!(written.contains("SIGTERM"), "{written}");
}

#[test]
fn colour_follows_no_color_term_and_the_flag() {
    // Not a terminal: no colour unless asked for.
    let plain = run(&["run", "--filter", "ping"]);
    assert!(!text(&plain.stdout).contains("\x1b["));
    let forced = run(&["run", "--filter", "ping", "--color", "always"]);
    assert!(text(&forced.stdout).contains("\x1b["));
    let never = bin()
        .args(["run", "--filter", "ping", "--color", "never"])
        .output()
        .expect("runs");
    assert!(!text(&never.stdout).contains("\x1b["));
}

#[test]
fn every_command_has_examples_and_completions_are_printed() {
    for cmd in ["run", "list", "check", "suites", "completions"] {
        let out = run(&[cmd, "--help"]);
        assert!(
            text(&out.stdout).contains("Examples:"),
            "{cmd} --help has no examples"
        );
    }
    let out = run(&["fixtures", "export", "--help"]);
    assert!(text(&out.stdout).contains("Examples:"));
    let out = run(&["completions", "bash"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("conformance"));
}
