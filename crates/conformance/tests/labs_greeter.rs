//! The greeter lab, server and client: correct programs in several styles pass, flawed ones
//! fail the scenarios their mistake breaks; the lab text's own programs pass; the built-in
//! reference implementation passes.

mod common;

use common::programs::{failures_of, fixture, python};
use common::seeds::{LabPrograms, fenced_blocks, seed};
use conformance::engine::RunOptions;

const SERVER: &str = "conformance/labs/greeter";
const CLIENT: &str = "conformance/labs/greeter-client";

/// The scenarios `program` (in fixtures/labs/greeter/) does not pass against `suite`.
fn failures(suite: &str, program: &str) -> Vec<String> {
    let dir = fixture("fixtures/labs/greeter");
    let command = python(&dir.join(program), "{port}");
    failures_of(suite, &command, &dir, RunOptions::default())
}

#[test]
fn servers() {
    let table: &[(&str, &[&str])] = &[
        ("server_blocking.py", &[]),
        ("server_socketserver.py", &[]),
        ("server_asyncio.py", &[]),
        (
            "server_one_client.py",
            &["client-after-client", "waiting-client"],
        ),
        (
            "server_never_closes.py",
            &["greets", "client-after-client", "waiting-client"],
        ),
        (
            "server_wrong_words.py",
            &["greets", "client-after-client", "waiting-client"],
        ),
    ];
    for (program, want) in table {
        assert_eq!(failures(SERVER, program), *want, "{program}");
    }
}

#[test]
fn clients() {
    let table: &[(&str, &[&str])] = &[
        ("client_reads_all.py", &[]),
        // One recv misses the second piece: the optional scenario says so.
        ("client_one_recv.py", &["long-greeting-in-pieces"]),
        (
            "client_prints_nothing.py",
            &["prints-the-greeting", "long-greeting-in-pieces"],
        ),
        (
            "client_never_exits.py",
            &["prints-the-greeting", "long-greeting-in-pieces"],
        ),
    ];
    for (program, want) in table {
        assert_eq!(failures(CLIENT, program), *want, "{program}");
    }
}

/// The lab text's server and client, run unchanged but for their port.
#[test]
fn the_lab_texts_programs_pass() {
    let Some(text) = seed(1) else { return };
    let lab = LabPrograms::server_and_client(&fenced_blocks(&text), "3000");
    assert_eq!(
        lab.python_failures(SERVER, "server.py"),
        Vec::<String>::new()
    );
    // Its one recv is the weakness the optional scenario names.
    assert_eq!(
        lab.python_failures(CLIENT, "client.py"),
        ["long-greeting-in-pieces"]
    );
}
