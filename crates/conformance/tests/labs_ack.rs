//! The acknowledgement lab (seed 003), server and client: correct programs in several styles
//! pass, flawed ones fail the scenarios their mistake breaks; the lab text's own programs pass
//! every required scenario.

mod common;

use common::programs::{
    fixture, not_passed, passes_in_the_instructors_words, python, run_program, suite_at,
};
use common::seeds::{LabPrograms, seed, with_port_argument};
use conformance::engine::RunOptions;
use conformance::outcome::RunReport;

const SERVER: &str = "conformance/labs/ack";
const CLIENT: &str = "conformance/labs/ack-client";

/// The optional scenarios: what a server that serves one client and exits, as the lab's does,
/// does not do.
const ONE_CLIENT: &[&str] = &["client-after-client", "carries-on-after-a-reset"];

/// `program` (in fixtures/labs/ack/) graded by `suite`.
fn graded(suite: &str, program: &str, opts: RunOptions) -> RunReport {
    let dir = fixture("fixtures/labs/ack");
    run_program(
        suite_at(suite),
        &python(&dir.join(program), "{port}"),
        &dir,
        opts,
    )
}

/// The scenarios `program` does not pass against `suite`.
fn failures(suite: &str, program: &str) -> Vec<String> {
    not_passed(&graded(suite, program, RunOptions::default()))
}

#[test]
fn servers() {
    let table: &[(&str, &[&str])] = &[
        ("server_blocking.py", &[]),
        ("server_socketserver.py", &[]),
        ("server_asyncio.py", &[]),
        ("server_selectors_hostname.py", &[]),
        ("server_one_client.py", ONE_CLIENT),
        ("server_dies_on_reset.py", &["carries-on-after-a-reset"]),
        ("server_one_message.py", &["acks-every-message"]),
        (
            "server_no_break.py",
            &[
                "closes-when-the-client-does",
                "client-after-client",
                "carries-on-after-a-reset",
            ],
        ),
    ];
    for (program, want) in table {
        assert_eq!(failures(SERVER, program), *want, "{program}");
    }
}

/// Other words than the lab's fail every acknowledgement (the first scenario shows it; the
/// others start the same way), unless the instructor gives them with `--var ack=...`.
#[test]
fn the_ack_is_the_labs_or_the_instructors() {
    passes_in_the_instructors_words(
        |opts| graded(SERVER, "server_wrong_words.py", opts),
        "acks-a-message",
        ("ack", "ok"),
    );
}

#[test]
fn clients() {
    let table: &[(&str, &[&str])] = &[
        ("client_blocking.py", &[]),
        ("client_create_connection.py", &[]),
        ("client_asyncio.py", &[]),
        (
            "client_waits_first.py",
            &["sends-a-message", "prints-the-ack", "exits-after-the-ack"],
        ),
        ("client_prints_nothing.py", &["prints-the-ack"]),
        ("client_never_exits.py", &["exits-after-the-ack"]),
    ];
    for (program, want) in table {
        assert_eq!(failures(CLIENT, program), *want, "{program}");
    }
}

/// The lines between `## NAME:` and the next `## ` heading of seed 003, where its programs are
/// (not between ``` fences).
fn section<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| l.trim() != name)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect()
}

/// The lab text lost the indentation of the server's loop body (Markdown): the lines after
/// `while True:`, up to the `conn.close()` that ends the program, are put back under it. Nothing
/// else changes.
fn loop_body_indented(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut in_loop = false;
    for line in lines {
        if line.starts_with("conn.close()") {
            in_loop = false;
        }
        if in_loop && !line.trim().is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        out.push('\n');
        if line.trim() == "while True:" {
            in_loop = true;
        }
    }
    out
}

/// The lab text's server and client, run unchanged but for their port (and, for the server,
/// the indentation the text lost).
#[test]
fn the_lab_texts_programs_pass() {
    let Some(text) = seed(3) else { return };
    let client = section(&text, "## CLIENT:").join("\n") + "\n";
    let server = loop_body_indented(&section(&text, "## SERVER:"));
    assert!(client.contains(".connect(") && server.contains(".listen("));
    let lab = LabPrograms::write([
        ("server.py", with_port_argument(&server, "65432")),
        ("client.py", with_port_argument(&client, "65432")),
    ]);
    // It serves one client and exits: the optional scenarios say so, and count for nothing.
    assert_eq!(lab.python_failures(SERVER, "server.py"), ONE_CLIENT);
    assert_eq!(
        lab.python_failures(CLIENT, "client.py"),
        Vec::<String>::new()
    );
}
