//! The hello-and-upload lab (seed 000), server: correct programs in several styles pass, flawed
//! ones fail the scenarios their mistake breaks, with a report that says what the program did;
//! the lab text's own programs, server and client, pass. The client's fixtures are graded in
//! `labs_hello_upload_client.rs`.

mod common;

use common::programs::{
    fixture, not_passed, passes_in_the_instructors_words, python, run_program, suite_at,
};
use common::seeds::{LabPrograms, seed};
use conformance::engine::RunOptions;
use conformance::outcome::RunReport;
use conformance::report::words;

const SERVER: &str = "conformance/labs/hello-upload";
const CLIENT: &str = "conformance/labs/hello-upload-client";
const FIXTURES: &str = "fixtures/labs/hello-upload";

/// `program` (in fixtures/labs/hello-upload/) graded by `suite`.
fn graded(suite: &str, program: &str, opts: RunOptions) -> RunReport {
    let dir = fixture(FIXTURES);
    run_program(
        suite_at(suite),
        &python(&dir.join(program), "{port}"),
        &dir,
        opts,
    )
}

const UPLOADS: &[&str] = &["saves-the-upload", "saves-until-the-client-closes"];

#[test]
fn servers() {
    let table: &[(&str, &[&str])] = &[
        ("server_blocking.py", &[]),
        ("server_socketserver.py", &[]),
        ("server_asyncio.py", &[]),
        ("server_one_recv.py", UPLOADS),
        ("server_never_closes_file.py", UPLOADS),
        ("server_text_mode.py", UPLOADS),
        (
            "server_replies_first.py",
            &[
                "waits-for-the-hello",
                "saves-the-upload",
                "saves-until-the-client-closes",
            ],
        ),
    ];
    for (program, want) in table {
        let report = graded(SERVER, program, RunOptions::default());
        assert_eq!(not_passed(&report), *want, "{program}");
        if *program == "server_one_recv.py" {
            says_how_much_was_saved(&report);
        }
    }
}

/// A server that saved one recv() of the upload is told how much of it its file holds, and why.
fn says_how_much_was_saved(report: &RunReport) {
    let scenario = &report.scenarios[2];
    assert_eq!(scenario.id, "saves-the-upload");
    let failure = scenario.failure.as_ref().expect("a failure");
    let (expected, got) = (words::expected(&failure.expected), words::got(failure));
    assert!(expected.contains("received_file.txt"), "{expected}");
    assert!(
        expected.contains("the file upload/sample.bin"),
        "{expected}"
    );
    assert_eq!(got, "the file has 1,024 of 70,000 bytes");
    let hint = scenario.hint.as_deref().unwrap_or_default();
    assert!(
        hint.contains("one recv() is not the whole upload"),
        "{hint}"
    );
}

/// Other words than the lab's fail the hello (and so every scenario, which all start with it),
/// unless the instructor gives them with `--var reply=...`.
#[test]
fn the_reply_is_the_labs_or_the_instructors() {
    passes_in_the_instructors_words(
        |opts| graded(SERVER, "server_wrong_words.py", opts),
        "answers-the-hello",
        ("reply", "welcome, send your file"),
    );
}

/// Taking a short recv() for the end of the upload fails or not on an upload sent in one go,
/// as the kernel happens to cut it (on the student's machine too); the scenario that sends it
/// in pieces, 100 bytes first, always catches it.
#[test]
fn a_short_recv_is_not_the_end_of_the_upload() {
    let opts = RunOptions {
        filter: vec!["saves-until-the-client-closes".to_owned()],
        ..RunOptions::default()
    };
    let report = graded(SERVER, "server_stops_on_short_recv.py", opts);
    assert_eq!(not_passed(&report), ["saves-until-the-client-closes"]);
}

/// The programs of seed 000, which are not between ``` fences: each runs from a line
/// `import socket` through the line after `if __name__ == "__main__":`.
fn programs(text: &str) -> Vec<String> {
    let mut programs = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    let mut last_line_next = false;
    for line in text.lines() {
        match current.as_mut() {
            None if line.trim() == "import socket" => current = Some(vec![line]),
            None => {}
            Some(lines) => {
                lines.push(line);
                if last_line_next {
                    programs.push(lines.join("\n") + "\n");
                    current = None;
                    last_line_next = false;
                } else if line.starts_with("if __name__") {
                    last_line_next = true;
                }
            }
        }
    }
    programs
}

/// The lab text's server and client, run unchanged but for their port.
#[test]
fn the_lab_texts_programs_pass() {
    let Some(text) = seed(0) else { return };
    let lab = LabPrograms::server_and_client(&programs(&text), "65432");
    for (suite, program) in [(SERVER, "server.py"), (CLIENT, "client.py")] {
        assert_eq!(
            lab.python_failures(suite, program),
            Vec::<String>::new(),
            "{program}"
        );
    }
}
