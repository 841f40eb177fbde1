//! The chat lab with bye words (seed 002), server and client: correct programs in several
//! styles pass, flawed ones fail exactly the scenarios their mistake breaks; the lab text's own
//! programs pass every required scenario.
//!
//! Every program runs with Python's standard output block-buffered, as it is whenever it is a
//! pipe (`PYTHONUNBUFFERED` unset): a program that prints without flushing must pass too.

mod common;

use std::path::Path;

use common::programs::{failures_of, fixture};
use common::seeds::{LabPrograms, seed, with_port_argument};
use conformance::engine::RunOptions;

const SERVER: &str = "conformance/labs/chat-bye";
const CLIENT: &str = "conformance/labs/chat-bye-client";

/// `python3 SCRIPT {port}` with standard output a plain pipe, whatever the test's environment.
fn buffered_python(script: &Path) -> String {
    format!(
        "env -u PYTHONUNBUFFERED python3 {} {{port}}",
        script.display()
    )
}

/// The scenarios `program` (in fixtures/labs/chat-bye/) does not pass against `suite`.
fn failures(suite: &str, program: &str) -> Vec<String> {
    let dir = fixture("fixtures/labs/chat-bye");
    let command = buffered_python(&dir.join(program));
    failures_of(suite, &command, &dir, RunOptions::default())
}

#[test]
fn servers() {
    let table: &[(&str, &[&str])] = &[
        ("server_blocking.py", &[]),
        ("server_threads.py", &[]),
        ("server_selectors.py", &[]),
        ("server_socketserver.py", &[]),
        ("server_wrong_welcome.py", &["welcome"]),
        (
            "server_ignores_client_bye.py",
            &["client-bye-ends-it", "client-other-bye-word"],
        ),
        (
            "server_only_bye.py",
            &["client-other-bye-word", "typed-other-bye-word"],
        ),
        ("server_no_print.py", &["replies-printed"]),
        (
            "server_no_break.py",
            &["typed-bye-ends-it", "typed-other-bye-word"],
        ),
    ];
    for (program, want) in table {
        assert_eq!(failures(SERVER, program), *want, "{program}");
    }
}

#[test]
fn clients() {
    let table: &[(&str, &[&str])] = &[
        ("client_blocking.py", &[]),
        ("client_threads.py", &[]),
        ("client_selectors.py", &[]),
        ("client_no_print.py", &["server-lines-printed"]),
        (
            "client_ignores_server_bye.py",
            &["server-bye-ends-it", "server-other-bye-word"],
        ),
        (
            "client_only_bye.py",
            &["server-other-bye-word", "typed-other-bye-word"],
        ),
        (
            "client_keeps_going.py",
            &["typed-bye-ends-it", "typed-other-bye-word"],
        ),
    ];
    for (program, want) in table {
        assert_eq!(failures(CLIENT, program), *want, "{program}");
    }
}

/// The lab text is a notebook saved as text: its programs are the cells that start with
/// `%%writefile NAME`, each up to the next `In [` prompt or Markdown heading. `(NAME, code)`.
fn writefile_cells(text: &str) -> Vec<(String, String)> {
    let mut cells = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in text.lines() {
        if let Some(name) = line.trim().strip_prefix("%%writefile ") {
            cells.extend(current.take());
            current = Some((name.trim().to_owned(), Vec::new()));
        } else if line.starts_with("In [") || is_heading(line) {
            cells.extend(current.take());
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    cells.extend(current);
    cells
        .into_iter()
        .map(|(name, lines)| (name, lines.join("\n").trim().to_owned() + "\n"))
        .collect()
}

/// A Markdown heading (`## Complete ...`, `### Client Side Code:`), not a Python comment
/// (`### server_file`, `#plain text ...`).
fn is_heading(line: &str) -> bool {
    let hashes = line.len() - line.trim_start_matches('#').len();
    hashes >= 2
        && line[hashes..]
            .strip_prefix(' ')
            .and_then(|rest| rest.chars().next())
            .is_some_and(char::is_uppercase)
}

/// A program of the lab text as the lab asks a student to run it: its port from the command
/// line, and the host's own address where the text has the author's LAN address, which no
/// grading machine has.
fn runnable(code: &str) -> String {
    let lan = "\"192.168.1.4\"";
    assert!(
        code.contains(lan),
        "the lab text's address changed:\n{code}"
    );
    with_port_argument(&code.replace(lan, "\"localhost\""), "1234")
}

/// The lab text's chat server and client, run unchanged but for their address and port.
#[test]
fn the_lab_texts_programs_pass() {
    let Some(text) = seed(2) else { return };
    let cells = writefile_cells(&text);
    let code = |name: &str| {
        cells
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| runnable(c))
            .unwrap_or_else(|| panic!("no cell `%%writefile {name}` in the lab text"))
    };
    let lab = LabPrograms::write(["server_chat.py", "client_chat.py"].map(|n| (n, code(n))));
    let run = |suite: &str, program: &str| {
        lab.failures(
            suite,
            &buffered_python(Path::new(program)),
            RunOptions::default(),
        )
    };
    // Each waits for its next typed line when the other side leaves without a bye: the
    // weakness the optional scenarios name.
    assert_eq!(
        run(SERVER, "server_chat.py"),
        vec!["client-leaves".to_owned()]
    );
    assert_eq!(
        run(CLIENT, "client_chat.py"),
        vec!["server-leaves".to_owned()]
    );
}

#[test]
fn the_notebook_cells_are_found() {
    let text = "In [1]:\n%%writefile a.py\n\n### a comment\nx = 1\n\n### Next Code:\n\nIn [2]:\n\
                %%writefile b.py\ny = 2\nIn [3]:\n";
    assert_eq!(
        writefile_cells(text),
        vec![
            ("a.py".to_owned(), "### a comment\nx = 1\n".to_owned()),
            ("b.py".to_owned(), "y = 2\n".to_owned()),
        ]
    );
}
