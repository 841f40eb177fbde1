//! Running `conformance grade` from the tests: with a deadline, a mark in its environment to
//! find anything left running, and its gradebook read back.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::programs::left_running;
use super::repo;

/// A whole class run (`grade`) may take this long.
const DEADLINE: Duration = Duration::from_secs(300);

pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_conformance")
}

/// Runs `argv` with a mark in its environment, within [`DEADLINE`], and checks that nothing it
/// started is left running.
pub fn run_marked(argv: &[String], mark: &str) -> Output {
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(repo())
        .env("SPAWNED_TEST_MARK", mark)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("conformance starts");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output();
        let _ = tx.send(());
        out
    });
    if rx.recv_timeout(DEADLINE).is_err() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("`{}` took more than {DEADLINE:?}", argv.join(" "));
    }
    let out = waiter.join().expect("waiter").expect("output");
    assert_eq!(
        left_running(mark),
        Vec::<u32>::new(),
        "processes left running"
    );
    out
}

/// `conformance grade ARGS...`, from the repository's root.
pub fn grade(args: &[&str], mark: &str) -> Output {
    let mut argv = vec![exe().to_owned(), "grade".to_owned()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    run_marked(&argv, mark)
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether this machine lets a process make a network namespace.
pub fn namespaces() -> bool {
    Command::new("unshare")
        .args(["--net", "--", "ip", "link", "set", "lo", "up"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The gradebook as rows of named cells.
pub fn gradebook(dir: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(dir.join("gradebook.csv")).expect("gradebook.csv");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

pub fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}
