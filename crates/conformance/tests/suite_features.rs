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

const RAW_SUITE: &str = r#"name: raw-client
title: a raw client's bytes, as raw bytes
protocol: raw
program:
  role: client
"#;

/// A client told what to do by the harness's first line: `talk` (bytes that are no protocol
/// line, then it waits), `bye` (a line, then it closes), `quiet` (it closes).
const RAW_PROGRAM: &str = r#"import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
mode = b''
while not mode.endswith(b'\n'):
    chunk = s.recv(100)
    if not chunk:
        break
    mode += chunk
mode = mode.strip()
if mode == b'talk':
    s.sendall(b'OOPS unknown verb\n\xff\xfe')
    s.recv(100)
elif mode == b'bye':
    s.sendall(b'hello there\n')
s.close()
"#;

fn raw_scenario(id: &str, mode: &str, step: &str) -> String {
    format!(
        "id: {id}\ntitle: {id}\nrequirements: []\npoints: 1\nconnections: {{ srv: tcp-listener }}\n\
         steps:\n  - send_raw: \"{mode}\\n\"\n    on: srv\n{step}"
    )
}

/// Per scenario: what it expected and what it got, in words.
const RAW_WANT: &[(&str, &str, &str)] = &[
    (
        "a-silence",
        "nothing at all for 1000 ms",
        r"20 bytes `OOPS unknown verb\n\xff\xfe`",
    ),
    (
        "b-close",
        "the client to close the connection (close)",
        r"12 bytes `hello there\n`, then the client closed the connection (FIN (orderly close))",
    ),
    (
        "c-until-close",
        r"the bytes `hello world\n` (until the connection closes)",
        r"12 bytes `hello there\n`, differing from the expected from byte 6 on, then the client closed the connection (FIN (orderly close))",
    ),
    (
        "d-empty",
        "the bytes `hi` (until the connection closes)",
        "nothing (0 bytes), differing from the expected from byte 0 on, then the client closed the connection (FIN (orderly close))",
    ),
    (
        "e-talks-instead",
        "the client to close the connection (close)",
        r"20 bytes `OOPS unknown verb\n\xff\xfe`",
    ),
];

/// In a raw suite, what a program sends is described as bytes (how many, an excerpt), never as
/// socket-lab lines; the program under test, a client, is called the client.
#[test]
fn a_raw_client_suite_describes_bytes_and_names_the_client() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = [
        raw_scenario(
            "a-silence",
            "talk",
            "  - expect_silence: 1000\n    on: srv\n",
        ),
        raw_scenario("b-close", "bye", "  - expect_close: any\n    on: srv\n"),
        raw_scenario(
            "c-until-close",
            "bye",
            "  - expect_raw: { exact: \"hello world\\n\", until_close: true }\n    on: srv\n",
        ),
        raw_scenario(
            "d-empty",
            "quiet",
            "  - expect_raw: { exact: \"hi\", until_close: true }\n    on: srv\n",
        ),
        raw_scenario(
            "e-talks-instead",
            "talk",
            "  - expect_close: any\n    on: srv\n",
        ),
    ];
    std::fs::write(dir.path().join("suite.yaml"), RAW_SUITE).expect("write");
    std::fs::write(dir.path().join("prog.py"), RAW_PROGRAM).expect("write");
    for (i, s) in scenarios.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.yaml")), s).expect("write");
    }
    let suite = conformance::scenario::load_suite(dir.path()).expect("loads");
    let report = run_program(
        suite,
        "python3 prog.py {port}",
        dir.path(),
        RunOptions::default(),
    );
    let got: Vec<(String, String, String)> = report
        .scenarios
        .iter()
        .map(|r| {
            let f = r.failure.as_ref().expect("every scenario fails");
            let text = conformance::report::words::failure_text(r);
            assert!(!text.contains("not a valid server message"), "{text}");
            assert!(!text.contains("the server"), "{text}");
            assert!(!text.contains("[]"), "{text}");
            (
                r.id.clone(),
                conformance::report::words::expected_of(f),
                conformance::report::words::got(f),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = RAW_WANT
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(got, want);
}

const FILE_SUITE: &str = r#"name: file-client
title: a client that saves a file
protocol: raw
program:
  role: client
files:
  - path: big.bin
    random: 70000
"#;

/// A client that reads a name and a mode, then writes `saved-NAME.bin` from the suite's
/// `big.bin`: `short` (its first 1,024 bytes), `flipped` (byte 5 changed), and exits.
const FILE_PROGRAM: &str = r#"import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
line = b''
while not line.endswith(b'\n'):
    chunk = s.recv(100)
    if not chunk:
        break
    line += chunk
name, mode = line.decode().split()
data = bytearray(open('big.bin', 'rb').read())
if mode == 'short':
    data = data[:1024]
else:
    data[5] ^= 0xff
open('saved-' + name + '.bin', 'wb').write(data)
"#;

fn file_scenario(id: &str, mode: &str) -> String {
    format!(
        "id: {id}\ntitle: {id}\nrequirements: []\npoints: 1\nconnections: {{ srv: tcp-listener }}\n\
         vars: {{ name: token }}\nsteps:\n  - send_raw: \"${{name}} {mode}\\n\"\n    on: srv\n\
         \x20 - expect_file: {{ path: \"saved-${{name}}.bin\", file: big.bin }}\n    timeout: 20000\n"
    )
}

/// A file that does not match says how many of the expected bytes it has, or where it
/// differs, in a capped excerpt; its path takes variables; a program that has exited is not
/// waited for until the deadline.
#[test]
fn a_file_failure_says_its_size_and_stops_when_the_program_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_all(
        dir.path(),
        &[
            ("suite.yaml", FILE_SUITE),
            ("prog.py", FILE_PROGRAM),
            ("1.yaml", &file_scenario("short", "short")),
            ("2.yaml", &file_scenario("flipped", "flipped")),
        ],
    );
    let suite = conformance::scenario::load_suite(dir.path()).expect("loads");
    let report = run_program(
        suite,
        "python3 prog.py {port}",
        dir.path(),
        RunOptions::default(),
    );
    let got: Vec<(String, String)> = report
        .scenarios
        .iter()
        .map(|r| {
            let f = r.failure.as_ref().expect("every scenario fails");
            // The deadline is 20 s; the program exits at once.
            assert!(r.duration_ms < 10_000, "{}: {} ms", r.id, r.duration_ms);
            assert!(f.received.as_ref().is_some_and(|b| b.len() <= 1024));
            let expected = conformance::report::words::expected_of(f);
            // The path with its variable's value; no connection to close.
            assert!(expected.starts_with("the file `saved-"), "{expected}");
            assert!(!expected.contains("${"), "{expected}");
            assert!(
                expected.ends_with(".bin` in your program's folder: the bytes of the file big.bin"),
                "{expected}"
            );
            (r.id.clone(), conformance::report::words::got(f))
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "short".to_owned(),
                "the file has 1,024 of 70,000 bytes".to_owned()
            ),
            (
                "flipped".to_owned(),
                "the file has its 70,000 bytes, differing from the expected from byte 5 on"
                    .to_owned()
            ),
        ]
    );
}

/// `send_raw: { file }` names a file of the suite: another name is a load error.
#[test]
fn send_raw_of_a_file_the_suite_does_not_have_does_not_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = file_scenario("missing", "short").replace(
        "  - send_raw: \"${name} short\\n\"",
        "  - send_raw: { file: nothere.bin }",
    );
    write_all(
        dir.path(),
        &[("suite.yaml", FILE_SUITE), ("1.yaml", &scenario)],
    );
    let err = conformance::scenario::load_suite(dir.path()).expect_err("refused");
    let messages: Vec<&str> = err.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["the suite has no file `nothere.bin`"]);
}
