//! The file-sharing lab (the exercise of seed 002), server and client: correct programs in
//! several styles pass, flawed ones fail exactly the scenarios their mistake breaks. The lab
//! text gives no code for this exercise: there is no program of its own to run.

mod common;

use common::programs::{failures_of, fixture};
use conformance::engine::RunOptions;

const SERVER: &str = "conformance/labs/file-share";
const CLIENT: &str = "conformance/labs/file-share-client";

/// The scenarios `program` (in fixtures/labs/file-share/) does not pass against `suite`, run
/// with Python's standard output a plain pipe (block-buffered), whatever the test's environment.
fn failures(suite: &str, program: &str) -> Vec<String> {
    let dir = fixture("fixtures/labs/file-share");
    let command = format!(
        "env -u PYTHONUNBUFFERED python3 {} {{port}}",
        dir.join(program).display()
    );
    failures_of(suite, &command, &dir, RunOptions::default())
}

#[test]
fn servers() {
    let table: &[(&str, &[&str])] = &[
        ("server_blocking.py", &[]),
        ("server_socketserver.py", &[]),
        // Correct for the lab; it does not strip the path: the optional scenario says so.
        ("server_chunks.py", &["path-with-line-end"]),
        ("server_one_client.py", &["client-after-client"]),
        (
            "server_text_mode.py",
            &[
                "sends-a-file",
                "file-in-a-folder",
                "client-after-client",
                "path-with-line-end",
            ],
        ),
        (
            "server_first_kilobyte.py",
            &["sends-a-file", "file-in-a-folder", "client-after-client"],
        ),
        (
            "server_never_closes.py",
            &[
                "sends-a-file",
                "file-in-a-folder",
                "missing-file",
                "client-after-client",
                "path-with-line-end",
            ],
        ),
        (
            "server_no_check.py",
            &["missing-file", "client-after-client"],
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
        ("client_asks_later.py", &[]),
        (
            "client_one_recv.py",
            &["saves-the-file", "saves-where-told"],
        ),
        (
            "client_short_read_ends.py",
            &["saves-the-file", "saves-where-told"],
        ),
        (
            "client_text_mode.py",
            &["saves-the-file", "saves-where-told"],
        ),
        (
            "client_ignores_save_path.py",
            &["saves-the-file", "saves-where-told"],
        ),
        ("client_saves_message.py", &["missing-file"]),
    ];
    for (program, want) in table {
        assert_eq!(failures(CLIENT, program), *want, "{program}");
    }
}
