//! The spec's byte-exact examples (```` ```bytes fixture=PATH ```` blocks in `spec/*.md`) are the
//! fixtures' exact bytes: the spec and the test data cannot drift apart.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `bytes fixture=` block of a markdown text: (fixture path, block content).
fn byte_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(fixture) = line.trim().strip_prefix("```bytes fixture=") else {
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        // Literal line breaks inside a block are layout, not bytes.
        blocks.push((fixture.trim().to_owned(), body.concat()));
    }
    blocks
}

#[test]
fn spec_examples_are_the_fixtures_bytes() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("spec")).expect("spec/ exists") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let markdown = std::fs::read_to_string(&path).expect("spec readable");
        for (fixture, body) in byte_blocks(&markdown) {
            let expected = wire::escape::unescape(&body)
                .unwrap_or_else(|e| panic!("{}: block for {fixture}: {e}", path.display()));
            let actual = std::fs::read(repo().join("fixtures/wire").join(&fixture))
                .unwrap_or_else(|e| panic!("{}: fixture {fixture}: {e}", path.display()));
            assert_eq!(
                wire::escape::escape(&actual),
                wire::escape::escape(&expected),
                "{}: example for {fixture} differs from the fixture",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} byte examples found in spec/");
}

#[test]
fn block_parser_reads_layout_breaks_as_nothing() {
    let md = "x\n```bytes fixture=a.bin\nHELLO a\\n\nBYE\\n\n```\n";
    assert_eq!(
        byte_blocks(md),
        vec![("a.bin".to_owned(), "HELLO a\\nBYE\\n".to_owned())]
    );
}
