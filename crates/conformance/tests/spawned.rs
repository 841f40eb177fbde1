//! Programs the harness starts itself (`--spawn`): the suites of `fixtures/spawned/` and the
//! core suite, graded by starting the program, never by connecting to check it; and the
//! verdicts of programs that crash, never listen, or listen elsewhere.

mod common;

use common::programs::{fixture, passes, python, run_program as run};
use common::{core_suite, repo};
use conformance::engine::RunOptions;
use conformance::outcome::Status;
use conformance::report::words;
use conformance::scenario::{Suite, load_suite};

fn spawned_suite(name: &str) -> Suite {
    load_suite(&repo().join("fixtures/spawned").join(name)).expect("the fixture suite loads")
}

#[test]
fn the_core_suite_passes_a_spawned_correct_server_and_nothing_is_left_running() {
    let server = fixture("fixtures/servers/student_server.py");
    let report = run(
        (*core_suite()).clone(),
        &python(&server, "--port {port} --root . --udp"),
        &fixture("fixtures/spawned/echo-once"),
        RunOptions {
            seed: 7,
            udp: true,
            jobs: 2,
            ..RunOptions::default()
        },
    );
    passes(&report);
    let program = report
        .program
        .as_ref()
        .expect("the run's program is reported");
    assert!(
        program.exit.contains("when the harness stopped it"),
        "{}",
        program.exit
    );
}

#[test]
fn a_one_client_server_is_started_for_each_scenario() {
    let dir = fixture("fixtures/spawned/echo-once");
    let report = run(
        spawned_suite("echo-once"),
        &python(&dir.join("echo_once.py"), "{port}"),
        &dir,
        RunOptions::default(),
    );
    passes(&report);
    // Each scenario had its own program; the second waits for it to exit by itself.
    for r in &report.scenarios {
        assert_eq!(r.programs.len(), 1, "{}", r.id);
    }
    let exits = &report.scenarios[1].programs[0];
    assert!(exits.exited_by_itself, "{exits:?}");
    assert_eq!(exits.exit, "exited with status 0");
}

#[test]
fn a_client_is_graded_through_a_listener() {
    let dir = fixture("fixtures/spawned/greet-client");
    let report = run(
        spawned_suite("greet-client"),
        &python(&dir.join("greet_client.py"), "{port}"),
        &dir,
        RunOptions::default(),
    );
    passes(&report);
}

#[test]
fn a_chat_typed_on_stdin_and_a_udp_relay_of_plain_text() {
    for (suite, program) in [
        ("stdin-chat", "stdin_chat.py"),
        ("udp-relay", "udp_relay.py"),
    ] {
        let dir = fixture("fixtures/spawned").join(suite);
        let report = run(
            spawned_suite(suite),
            &python(&dir.join(program), "{port}"),
            &dir,
            RunOptions::default(),
        );
        passes(&report);
    }
}

#[test]
fn a_crash_at_start_fails_with_its_traceback() {
    let dir = fixture("fixtures/spawned/echo-once");
    let report = run(
        spawned_suite("echo-once"),
        &python(&fixture("fixtures/programs/crash_at_start.py"), "{port}"),
        &dir,
        RunOptions::default(),
    );
    let r = &report.scenarios[0];
    assert_eq!(r.status, Status::Failed);
    let f = r.failure.as_ref().expect("a failure");
    assert!(
        words::got(f).starts_with("your program exited with status 1 before it listened on port")
    );
    let shown = words::program(&r.programs[0]);
    assert!(
        shown.contains("RuntimeError: cannot configure the server"),
        "{shown}"
    );
}

#[test]
fn a_server_that_never_listens_or_listens_elsewhere_is_named() {
    let dir = fixture("fixtures/spawned/stdin-chat");
    let quick = RunOptions {
        timeout_scale: 0.2,
        ..RunOptions::default()
    };
    let report = run(
        spawned_suite("stdin-chat"),
        &python(&fixture("fixtures/programs/never_listens.py"), ""),
        &dir,
        quick.clone(),
    );
    let why = report.unreachable.clone().unwrap_or_default();
    assert!(why.contains("did not listen on port"), "{why}");
    assert_eq!(report.scenarios[0].status, Status::NotRun);
    let elsewhere = conformance::program::free_port(false).expect("a free port");
    let report = run(
        spawned_suite("stdin-chat"),
        &format!(
            "HARDCODED_PORT={elsewhere} {}",
            python(&fixture("fixtures/programs/hardcoded_port.py"), "")
        ),
        &dir,
        quick,
    );
    let why = report.unreachable.clone().unwrap_or_default();
    assert!(
        why.contains(&format!(
            "listens on TCP 127.0.0.1:{elsewhere}, not on port"
        )) && why.contains("take the port from the command line"),
        "{why}"
    );
}

/// What a student reads, in the human report and in JSON, for a program that crashes at start
/// and for a client that does not print what it was sent.
#[test]
fn reports_of_spawned_programs() {
    use conformance::report::{human, json};
    let echo = fixture("fixtures/spawned/echo-once");
    let crash = run(
        spawned_suite("echo-once"),
        &python(&fixture("fixtures/programs/crash_at_start.py"), "{port}"),
        &echo,
        RunOptions {
            seed: 11,
            filter: vec!["exits".into()],
            ..RunOptions::default()
        },
    );
    let client_dir = fixture("fixtures/spawned/greet-client");
    // A client that prints nothing: it never reads the reply.
    let mute = run(
        spawned_suite("greet-client"),
        &python(&fixture("fixtures/programs/mute_client.py"), "{port}"),
        &client_dir,
        RunOptions {
            seed: 11,
            // One instance: with two, which one the failure finds still starting is a race.
            filter: vec!["greets-and-prints".into()],
            ..RunOptions::default()
        },
    );
    let text = |write: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut out = Vec::new();
        write(&mut out).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    };
    let plain = human::Style { color: false };
    insta::with_settings!({ filters => vec![
        (r"port \d+", "port [PORT]"),
        (r"\.py \d+", ".py [PORT]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"[^\s`'\x22]*/fixtures/", "[REPO]/fixtures/"),
        (r"\(\d+\.\d s\)", "([TIME])"),
        (r#""duration_ms": \d+"#, r#""duration_ms": "[MS]""#),
        (r#""started_at": "[^"]*""#, r#""started_at": "[TIME]""#),
        (r#""suite_hash": "[0-9a-f]*""#, r#""suite_hash": "[HASH]""#),
    ]}, {
        insta::assert_snapshot!("spawned_crash_at_start_human", text(&|w| human::write(&crash, w, plain)));
        insta::assert_snapshot!("spawned_mute_client_human", text(&|w| human::write(&mute, w, plain)));
        insta::assert_snapshot!("spawned_mute_client_json", text(&|w| json::write(&mute, w)));
    });
}
