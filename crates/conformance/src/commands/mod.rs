//! The work of each command: `run` in its own module, the small ones here.

pub mod run;

use std::path::{Path, PathBuf};

use conformance::{exit, files, resolve_suite, scenario};

/// Loads a suite, or prints its problems and returns the exit code.
pub fn load(suite: &str) -> Result<scenario::Suite, i32> {
    let dir = resolve_suite(suite);
    scenario::load_suite(&dir).map_err(|e| {
        eprintln!("{:?}", miette::Report::new(e));
        exit::INVALID
    })
}

/// `conformance list`.
pub fn list(suite: &str) -> i32 {
    let suite = match load(suite) {
        Ok(s) => s,
        Err(code) => return code,
    };
    println!("suite `{}`: {}", suite.name, suite.title);
    for s in &suite.scenarios {
        println!(
            "  {:<34} {:>2} pts  {:<24} [{}]  {}",
            s.id,
            s.points,
            s.requirements.join(" "),
            s.tags.join(","),
            s.title
        );
    }
    let total: u32 = suite.scenarios.iter().map(|s| s.points).sum();
    println!("{} scenarios, {total} points", suite.scenarios.len());
    exit::PASSED
}

/// `conformance check`.
pub fn check(paths: &[PathBuf]) -> i32 {
    let mut files = Vec::new();
    for p in paths {
        match std::fs::read_dir(p) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                    .collect();
                found.sort();
                files.extend(found);
            }
            Err(_) => files.push(p.clone()),
        }
    }
    match scenario::check_files(&files) {
        Ok(n) => {
            println!("{n} file(s) checked: no problems");
            exit::PASSED
        }
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            exit::INVALID
        }
    }
}

/// `conformance fixtures export`.
pub fn export(dir: &Path, suite: &str) -> i32 {
    let suite = match load(suite) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match files::export(&suite, dir) {
        Ok(n) => {
            println!(
                "wrote {n} file(s) of suite `{}` to {}",
                suite.name,
                dir.display()
            );
            exit::PASSED
        }
        Err(e) => {
            eprintln!(
                "conformance: cannot write fixtures to {}: {e}",
                dir.display()
            );
            exit::INVALID
        }
    }
}
