//! The scenario loader on arbitrary text: `load_suite_from` returns a suite or diagnostics,
//! never panics, and every diagnostic renders (miette, as `conformance check` prints it) and
//! points into one of the files it was given.
//!
//! The input is one scenario file, loaded with the core suite's `suite.yaml`; an input holding
//! NUL bytes is a `suite.yaml`, then scenario files, separated by NUL.
#![no_main]

use std::path::Path;

use conformance::scenario::{Source, load_suite_from};
use libfuzzer_sys::fuzz_target;

const CORE_MANIFEST: &str = include_str!("../../conformance/core/suite.yaml");

fn run(text: &str) {
    let (manifest, scenarios) = match text.split_once('\0') {
        Some((manifest, rest)) => (manifest, rest.split('\0').collect::<Vec<_>>()),
        None => (CORE_MANIFEST, vec![text]),
    };
    let manifest = Source::new("fuzz/suite.yaml", manifest);
    let scenarios: Vec<Source> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| Source::new(format!("fuzz/{i:03}.yaml"), *s))
        .collect();
    match load_suite_from(Path::new("fuzz"), &manifest, &scenarios) {
        Ok(suite) => assert_eq!(
            suite.scenarios.len(),
            scenarios.len(),
            "a scenario per file"
        ),
        Err(errors) => {
            assert!(!errors.errors.is_empty(), "an error with no diagnostic");
            for e in &errors.errors {
                let file = &e.location.file;
                let known = *file == manifest.path || scenarios.iter().any(|s| s.path == *file);
                assert!(known, "diagnostic in unknown file {file:?}");
            }
            let mut out = String::new();
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100)
                .render_report(&mut out, &errors)
                .expect("diagnostics render");
            assert!(!out.is_empty());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        run(text);
    }
});
