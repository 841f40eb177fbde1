//! What lab suites ask of the runner, each on a small suite written here or a lab's own: a
//! client suite's UDP listener needs no `--udp`, the program's environment (`program: env:`,
//! `--env`), `list` marking optional scenarios.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::programs::{fixture, python, run_program, suite_at};
use common::{ids_with, repo};
use conformance::engine::RunOptions;
use conformance::outcome::Status;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conformance"));
    cmd.env_remove("NO_COLOR").env_remove("TERM");
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The ids of the `not ok` lines of a TAP report.
fn tap_failures(out: &Output) -> Vec<String> {
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("not ok "))
        .filter_map(|l| l.split_once(" - ").map(|(_, rest)| rest))
        .map(|rest| rest.split(' ').next().unwrap_or_default().to_owned())
        .collect()
}

/// Writes `files` (name, text) into `dir`.
fn write_all(dir: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        std::fs::write(dir.join(name), content).expect("write");
    }
}

#[test]
fn a_udp_client_suite_runs_without_the_udp_flag() {
    let dir = fixture("fixtures/labs/broadcast");
    let report = run_program(
        suite_at("conformance/labs/broadcast-udp-client"),
        &python(&dir.join("udp_client_threads.py"), "{port}"),
        &dir,
        RunOptions::default(),
    );
    assert_eq!(ids_with(&report, Status::Skipped), Vec::<String>::new());
    assert_eq!(ids_with(&report, Status::Passed).len(), 3, "{report:#?}");
}

const ENV_SUITE: &str = r#"name: env
title: the program's environment
protocol: raw
program:
  role: client
  env:
    GREETING: from-suite
    OTHER: kept
"#;

const ENV_SCENARIO: &str = r#"id: prints-its-environment
title: prints two variables
requirements: []
points: 1
connections: { srv: tcp-listener }
steps:
  - connect: srv
  - expect_stdout: { contains: "${want}" }
"#;

const ENV_PROGRAM: &str = "import os, socket, sys\n\
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n\
print('GREETING=' + os.environ.get('GREETING', '-'), 'OTHER=' + os.environ.get('OTHER', '-'), flush=True)\n";

#[test]
fn the_suite_sets_the_program_environment_and_env_overrides_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = ENV_SCENARIO.replace("${want}", "GREETING=from-suite OTHER=kept");
    write_all(
        dir.path(),
        &[
            ("suite.yaml", ENV_SUITE),
            ("010-env.yaml", &scenario),
            ("prog.py", ENV_PROGRAM),
        ],
    );
    let run = |extra: &[&str]| {
        bin()
            .args(["run", "--format", "tap", "--suite"])
            .arg(dir.path())
            .args(["--spawn", "python3 prog.py {port}", "--cwd"])
            .arg(dir.path())
            .args(extra)
            .output()
            .expect("conformance runs")
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // --env wins over the suite's value.
    let out = run(&["--env", "GREETING=from-cli"]);
    assert_eq!(tap_failures(&out), ["prints-its-environment"]);
    assert!(text(&out.stdout).contains("GREETING=from-cli OTHER=kept"));
    for bad in ["1X=y", "PORT=1", "A B=1", "NOVALUE"] {
        let out = run(&["--env", bad]);
        assert_eq!(out.status.code(), Some(2), "--env {bad}");
    }
}

#[test]
fn a_suite_with_a_bad_environment_name_does_not_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let suite = ENV_SUITE.replace("OTHER: kept", "\"NOT A NAME\": x");
    write_all(
        dir.path(),
        &[("suite.yaml", &suite), ("010-env.yaml", ENV_SCENARIO)],
    );
    let err = conformance::scenario::load_suite(dir.path()).expect_err("a bad name is refused");
    let messages: Vec<&str> = err.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("`NOT A NAME` is not an environment variable name"),
        "{messages:?}"
    );
}

/// Python buffers print() on a pipe; in a terminal it shows at once. The lab client suites set
/// PYTHONUNBUFFERED, so a client that prints without flush passes without `python3 -u`
/// (the harness's own environment has it removed: this shell sets it).
#[test]
fn lab_client_suites_grade_python_unbuffered() {
    let out = bin()
        .env_remove("PYTHONUNBUFFERED")
        .args(["run", "--format", "tap", "--seed", "1", "--suite"])
        .arg(repo().join("conformance/labs/broadcast-tcp-client"))
        .args(["--spawn", "python3 tcp_client_buffered.py {port}", "--cwd"])
        .arg(fixture("fixtures/labs/broadcast"))
        .output()
        .expect("conformance runs");
    assert_eq!(
        tap_failures(&out),
        ["stops-when-server-leaves"],
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn list_marks_optional_scenarios() {
    let out = bin()
        .args(["list", "--suite", "labs/greeter-client"])
        .output()
        .expect("conformance runs");
    let listed = text(&out.stdout);
    let line = |id: &str| {
        listed
            .lines()
            .find(|l| l.trim_start().starts_with(id))
            .unwrap_or_else(|| panic!("{id} listed: {listed}"))
            .to_owned()
    };
    assert!(
        line("long-greeting-in-pieces").ends_with("(optional)"),
        "{listed}"
    );
    assert!(
        !line("prints-the-greeting").contains("optional"),
        "{listed}"
    );
}
