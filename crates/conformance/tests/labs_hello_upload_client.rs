//! The hello-and-upload lab (seed 000), client: correct programs in several styles pass, flawed
//! ones fail the scenarios their mistake breaks. (The lab text's client is graded with its
//! server in `labs_hello_upload.rs`.)

mod common;

use common::programs::{failures_of, fixture, python};
use conformance::engine::RunOptions;

const CLIENT: &str = "conformance/labs/hello-upload-client";

/// The scenarios `program` (in fixtures/labs/hello-upload/) does not pass.
fn failures(program: &str) -> Vec<String> {
    let dir = fixture("fixtures/labs/hello-upload");
    let command = python(&dir.join(program), "{port}");
    failures_of(CLIENT, &command, &dir, RunOptions::default())
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
