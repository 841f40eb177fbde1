//! The work of each command: `run` in its own module, the small ones here.

pub mod grade;
pub mod output;
mod post;
mod progress;
pub mod run;
pub mod stop;
mod target;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use output::print;

use conformance::{exit, files, scenario, suites};

/// Finds and loads a suite, or prints why not and returns the exit code.
pub fn load(suite: &str) -> Result<scenario::Suite, i32> {
    let found = suites::resolve(suite).map_err(|e| {
        eprintln!("conformance: {e}");
        exit::INVALID
    })?;
    found.load().map_err(|e| {
        eprintln!("{:?}", miette::Report::new(e));
        exit::INVALID
    })
}

/// `conformance suites`: one line per suite built into the binary.
pub fn suites() -> i32 {
    let mut code = exit::PASSED;
    let mut out = String::new();
    let builtins = suites::built_in();
    let width = builtins.iter().map(|b| b.name().len()).max().unwrap_or(0);
    for builtin in builtins {
        match builtin.load() {
            Ok(suite) => {
                let name = builtin.name();
                let count = suite.scenarios.len();
                let _ = writeln!(out, "{name:<width$} {count:>3} scenarios  {}", suite.title);
            }
            Err(e) => {
                eprintln!("{:?}", miette::Report::new(e));
                code = exit::INVALID;
            }
        }
    }
    print(&out);
    code
}

/// `conformance list`.
pub fn list(suite: &str) -> i32 {
    let suite = match load(suite) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut out = format!("suite `{}`: {}\n", suite.name, suite.title);
    for s in &suite.scenarios {
        let optional = if s.optional { "  (optional)" } else { "" };
        let _ = writeln!(
            out,
            "  {:<34} {:>2} pts  {:<24} [{}]  {}{optional}",
            s.id,
            s.points,
            s.requirements.join(" "),
            s.tags.join(","),
            s.title
        );
    }
    for (name, value) in &suite.variables {
        let _ = writeln!(out, "  variable {name} = {value:?}  (--var {name}=...)");
    }
    let total: u32 = suite.scenarios.iter().map(|s| s.points).sum();
    let _ = writeln!(out, "{} scenarios, {total} points", suite.scenarios.len());
    print(&out);
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
            print(&format!("{n} file(s) checked: no problems\n"));
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
            print(&format!(
                "wrote {n} file(s) of suite `{}` to {}\n",
                suite.name,
                dir.display()
            ));
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
