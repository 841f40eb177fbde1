//! Every lab suite works out of the box: with no program given, it grades the reference
//! implementation of its lab (`conformance reference-lab NAME`), and that passes, from any
//! folder.

use std::process::Command;

#[test]
fn every_lab_suite_passes_its_reference_implementation() {
    let bin = env!("CARGO_BIN_EXE_conformance");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let listed = Command::new(bin)
        .arg("suites")
        .current_dir(elsewhere.path())
        .output()
        .expect("conformance suites runs");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let labs: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| name.starts_with("labs/"))
        .collect();
    assert!(!labs.is_empty(), "no lab suite is built in:\n{listed}");
    for lab in labs {
        let out = Command::new(bin)
            .args(["run", "--suite", lab, "--seed", "5"])
            .current_dir(elsewhere.path())
            .output()
            .expect("conformance run runs");
        assert!(
            out.status.success(),
            "{lab}: exit {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
