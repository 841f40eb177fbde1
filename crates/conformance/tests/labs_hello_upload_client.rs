//! The hello-and-upload lab (seed 000), client: correct programs in several styles pass, flawed
//! ones fail the scenarios their mistake breaks. (The lab text's client is graded with its
//! server in `labs_hello_upload.rs`.)

mod common;

use common::programs::{fixture, not_passed, python, run_program, suite_at};
use conformance::engine::RunOptions;

const CLIENT: &str = "conformance/labs/hello-upload-client";

/// The scenarios `program` (in fixtures/labs/hello-upload/) does not pass.
fn failures(program: &str) -> Vec<String> {
    let dir = fixture("fixtures/labs/hello-upload");
    let report = run_program(
        suite_at(CLIENT),
        &python(&dir.join(program), "{port}"),
        &dir,
        RunOptions::default(),
    );
    not_passed(&report)
}

#[test]
fn clients() {
    let table: &[(&str, &[&str])] = &[
        ("client_blocking.py", &[]),
        ("client_sendfile.py", &[]),
        ("client_asyncio.py", &[]),
        ("client_no_wait.py", &["waits-for-the-reply"]),
        ("client_one_read.py", &["uploads-the-file"]),
        (
            "client_text_mode.py",
            &["uploads-the-file", "exits-when-done"],
        ),
        ("client_prints_nothing.py", &["prints-the-reply"]),
        (
            "client_never_closes.py",
            &["uploads-the-file", "exits-when-done"],
        ),
    ];
    for (program, want) in table {
        assert_eq!(failures(program), *want, "{program}");
    }
}
