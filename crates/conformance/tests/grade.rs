//! `conformance grade` end to end: the class of `fixtures/roster/` graded in network namespaces
//! with its scores asserted and its reports snapshotted, and fixed-port programs graded without
//! isolation. Every grading is checked to leave no process running.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use common::grading::{exe, grade, gradebook, namespaces, read, run_marked, text};
use common::repo;

/// `student score max status greets client-after-client waiting-client` per row.
fn scores(rows: &[BTreeMap<String, String>]) -> Vec<String> {
    let cols = [
        "student",
        "score",
        "max",
        "status",
        "greets",
        "client-after-client",
        "waiting-client",
    ];
    rows.iter()
        .map(|r| cols.map(|c| r[c].as_str()).join(" "))
        .collect()
}

/// The scores the fixture class earns under `fixtures/roster/rubric.yaml`.
const CLASS: [&str; 10] = [
    "alice 11 10 passed 4 6 1",
    "bob 6 10 failed 4 2 0",
    "carol 0 10 did_not_start 0 0 0",
    "dave 0 10 failed 0 0 0",
    "erin 11 10 passed 4 6 1",
    "frank 11 10 passed 4 6 1",
    "grace 11 10 passed 4 6 1",
    "heidi 11 10 passed 4 6 1",
    "ivan 11 10 passed 4 6 1",
    "judy 0 10 did_not_start 0 0 0",
];

fn grade_the_class(out: &Path, mark: &str) -> Output {
    let out = out.display().to_string();
    grade(
        &[
            "fixtures/roster/roster.csv",
            "--suite",
            "labs/greeter",
            "--rubric",
            "fixtures/roster/rubric.yaml",
            "--seed",
            "7",
            "--jobs",
            "2",
            "--out",
            &out,
        ],
        mark,
    )
}

#[test]
fn the_fixture_class_is_graded_in_namespaces_with_the_expected_scores() {
    if !namespaces() {
        eprintln!("network namespaces are not allowed here: the isolated grading is not checked");
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let result = grade_the_class(out.path(), "grade-class");
    let said = text(&result);
    assert_eq!(result.status.code(), Some(0), "{said}");
    assert!(
        said.contains("isolation: a network namespace per submission"),
        "{said}"
    );
    assert_eq!(scores(&gradebook(out.path())), CLASS, "{said}");
    // Every student has every format.
    for student in ["alice", "carol", "judy"] {
        for file in [
            "report.html",
            "student.html",
            "report.json",
            "junit.xml",
            "report.tap",
            "results.json",
            "classroom.json",
            "report.txt",
            "student.txt",
            "grade.json",
            "run.log",
        ] {
            let path = out.path().join(student).join(file);
            assert!(path.is_file(), "{} missing", path.display());
        }
    }
    check_feedback(out.path());
    snapshots(out.path());
    let summary = read(out.path().join("summary.txt"));
    for line in [
        "class: 10 student(s), 8 graded, 2 did not start",
        "TypeError: 'str' object cannot be interpreted as an integer",
        "OSError: [Errno 99] Cannot assign requested address",
    ] {
        assert!(summary.contains(line), "{line} not in\n{summary}");
    }
}

/// What students and instructors read: the hidden scenario's details only in the
/// instructor's files, the flood cut, the rerun command, the program's own error.
fn check_feedback(out: &Path) {
    let full = read(out.join("dave/report.txt"));
    let student = read(out.join("dave/student.txt"));
    let hidden_step = "030-waiting-client.yaml";
    assert!(full.contains(hidden_step), "{full}");
    assert!(!student.contains(hidden_step), "{student}");
    assert!(!read(out.join("dave/student.html")).contains(hidden_step));
    assert!(!read(out.join("dave/classroom.json")).contains(hidden_step));
    let results: serde_json::Value =
        serde_json::from_str(&read(out.join("dave/results.json"))).expect("Gradescope JSON");
    assert_eq!(results["stdout_visibility"], "hidden");
    assert_eq!(results["tests"][2]["visibility"], "hidden");
    let erin: serde_json::Value =
        serde_json::from_str(&read(out.join("erin/report.json"))).expect("JSON");
    let stdout = &erin["program"]["stdout"];
    assert!(stdout["omitted"].as_u64() > Some(0), "{stdout}");
    let rows = gradebook(out);
    let ivan = &rows[8]["rerun"];
    assert!(
        ivan.starts_with("unshare --net -- sh -c 'ip link set lo up && ip addr add 192.168.1.4/32 dev lo && exec \"$0\" \"$@\"' conformance run --suite ")
            && ivan.contains(" --port 65432 --seed 7 "),
        "{ivan}"
    );
    assert!(read(out.join("carol/report.html")).contains("TypeError"));
}

/// The class's files as students and instructors read them, ports, times and paths redacted.
fn snapshots(out: &Path) {
    let rows = gradebook(out);
    let columns: Vec<&String> = rows[0].keys().filter(|k| *k != "seconds").collect();
    let mut book = String::new();
    for r in &rows {
        let cells: Vec<String> = columns.iter().map(|c| format!("{c}={}", r[*c])).collect();
        book += &format!("{}\n", cells.join(" | "));
    }
    let repo = repo().canonicalize().expect("repo");
    let repo = regex::escape(&repo.display().to_string());
    insta::with_settings!({ filters => vec![
        (repo.as_str(), "[REPO]"),
        (r"socket-lab-run-[A-Za-z0-9]+", "[WORKDIR]"),
        (r"port \d+", "port [PORT]"),
        (r"server\.py \d+", "server.py [PORT]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"\(\d+\.\d s\)", "([TIME])"),
        (r#""duration": \d+"#, r#""duration": "[MS]""#),
    ]}, {
        insta::assert_snapshot!("class_gradebook", book);
        insta::assert_snapshot!("class_summary", read(out.join("summary.txt")));
        insta::assert_snapshot!("dave_student_txt", read(out.join("dave/student.txt")));
        insta::assert_snapshot!("dave_classroom_json", read(out.join("dave/classroom.json")));
        insta::assert_snapshot!("carol_report_txt", read(out.join("carol/report.txt")));
    });
}

#[test]
fn without_isolation_fixed_ports_take_turns_and_lab_addresses_do_not_bind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = repo().join("fixtures/roster");
    let mut roster = "student,folder,command,port\n".to_owned();
    // ivan first: his program never binds, so frank's starts at once; grace's must wait for
    // the connections frank's program closed to leave TIME_WAIT.
    for s in ["ivan", "frank", "grace"] {
        roster += &format!(
            "{s},{},python3 server.py,65432\n",
            fixtures.join(s).display()
        );
    }
    let roster_path = dir.path().join("roster.csv");
    std::fs::write(&roster_path, roster).expect("roster");
    let out = dir.path().join("out");
    let mut argv: Vec<String> = vec![
        exe().to_owned(),
        "grade".to_owned(),
        roster_path.display().to_string(),
        "--suite".to_owned(),
        "labs/greeter".to_owned(),
        "--isolation".to_owned(),
        "none".to_owned(),
        "--jobs".to_owned(),
        "4".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
    ];
    // In a namespace of its own where the machine allows, so no other program of this
    // machine holds port 65432 or has 192.168.1.4; as it is elsewhere.
    if namespaces() {
        let mut wrapped: Vec<String> = ["unshare", "--net", "--", "sh", "-c"]
            .map(str::to_owned)
            .to_vec();
        wrapped.push("ip link set lo up && exec \"$0\" \"$@\"".to_owned());
        wrapped.extend(argv);
        argv = wrapped;
    }
    let result = run_marked(&argv, "grade-shared");
    let said = text(&result);
    assert!(
        said.contains("isolation: none (--isolation none)"),
        "{said}"
    );
    let rows = gradebook(&out);
    let got: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {} {}", r["student"], r["score"], r["status"]))
        .collect();
    assert_eq!(
        got,
        ["ivan 0 did_not_start", "frank 5 passed", "grace 5 passed"],
        "{said}"
    );
    assert!(
        rows[0]["reason"].contains("Cannot assign requested address"),
        "{}",
        rows[0]["reason"]
    );
    assert!(
        said.contains("port 65432: waiting for the last program's connections to leave TIME_WAIT"),
        "{said}"
    );
}
