use std::path::Path;

use super::{Roster, RosterError, Submission};

/// A class folder with a folder for each of `students`, and `roster` written as `name`.
fn class(students: &[&str], name: &str, roster: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    for s in students {
        std::fs::create_dir(dir.path().join(s)).expect("student folder");
    }
    let path = dir.path().join(name);
    std::fs::write(&path, roster).expect("roster written");
    (dir, path)
}

fn problems(err: RosterError) -> Vec<(usize, String)> {
    match err {
        RosterError::Rows { problems, .. } => problems,
        other => panic!("not a row problem: {other}"),
    }
}

#[test]
fn a_csv_roster_reads_in_order_with_ports_targets_and_addresses() {
    let (dir, path) = class(
        &["alice", "bob-folder"],
        "roster.csv",
        "# the lab of week 3\nstudent,folder,command,port,addresses,target\n\
         alice,alice,python3 server.py {port},,,\n\
         bob,bob-folder,python3 server.py,65432,192.168.1.4 10.0.0.1,\n\
         carol,,,,,10.1.2.3:4000\n",
    );
    let roster = Roster::load(&path, None).expect("valid");
    let names: Vec<&str> = roster.entries.iter().map(|e| e.student.as_str()).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    let base = std::fs::canonicalize(dir.path()).expect("canonical");
    assert_eq!(
        roster.entries[1].submission,
        Submission::Program {
            folder: base.join("bob-folder"),
            command: "python3 server.py".to_owned(),
            port: Some(65432),
        }
    );
    assert_eq!(roster.entries[1].addresses.len(), 2);
    assert_eq!(
        roster.entries[2].submission,
        Submission::Target("10.1.2.3:4000".to_owned())
    );
    assert_eq!((roster.entries[2].index, roster.entries[2].line), (2, 5));
    assert_eq!(roster.hash.len(), 64);
}

#[test]
fn a_yaml_roster_is_the_same_rows() {
    let (_dir, path) = class(
        &["alice", "bob"],
        "roster.yaml",
        "- student: alice\n  command: python3 server.py {port}\n\
         - student: bob\n  command: python3 server.py\n  port: 65432\n  addresses: [192.168.1.4]\n",
    );
    let roster = Roster::load(&path, None).expect("valid");
    assert_eq!(roster.entries.len(), 2);
    assert_eq!(roster.entries[1].line, 3);
    assert!(matches!(
        &roster.entries[1].submission,
        Submission::Program { port: Some(65432), folder, .. } if folder.ends_with("bob")
    ));
}

#[test]
fn the_default_command_fills_rows_without_one() {
    let (_dir, path) = class(&["alice"], "r.csv", "student\nalice\n");
    let roster = Roster::load(&path, Some("python3 server.py {port}")).expect("valid");
    assert!(matches!(
        &roster.entries[0].submission,
        Submission::Program { command, .. } if command == "python3 server.py {port}"
    ));
    let err = Roster::load(&path, None).expect_err("no command");
    assert_eq!(
        problems(err),
        vec![(
            2,
            "`alice` has no command (a `command` column, or --command)".to_owned()
        )]
    );
}

#[test]
fn every_bad_row_is_reported_with_its_line() {
    let (_dir, path) = class(
        &["alice", "bob"],
        "roster.csv",
        "student,folder,command,port,target\n\
         alice,alice,python3 s.py {port},,\n\
         Alice,alice,python3 s.py {port},,\n\
         bob,bob,python3 s.py,,\n\
         carol,carol,python3 s.py {port},,\n\
         ../x,bob,python3 s.py {port},,\n\
         dave,bob,python3 s.py,70000,\n\
         erin,bob,python3 s.py {port},,10.0.0.1:80\n",
    );
    let err = Roster::load(&path, None).expect_err("invalid");
    let shown = err.to_string();
    let lines: Vec<usize> = problems(err).into_iter().map(|(l, _)| l).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8], "{shown}");
    for part in [
        "roster.csv:3: student `Alice` is listed twice",
        "roster.csv:4: `bob`: the command has no `{port}` and no `port` is given",
        "roster.csv:5: `carol`: no folder",
        "roster.csv:6: student `../x`: a name is letters",
        "roster.csv:7: `dave`: port `70000` is not a port",
        "roster.csv:8: `erin` has a target and a program",
    ] {
        assert!(shown.contains(part), "{part} not in\n{shown}");
    }
}

#[test]
fn a_roster_without_a_header_or_students_is_refused() {
    let (_dir, path) = class(&[], "r.csv", "alice,alice,python3 s.py {port}\n");
    let err = Roster::load(&path, None).expect_err("no header");
    assert!(matches!(err, RosterError::Format { .. }), "{err}");
    let (_dir, path) = class(&[], "r.csv", "student,folder,command,port\n");
    let err = Roster::load(&path, None).expect_err("empty");
    assert_eq!(
        problems(err),
        vec![(1, "no student in the roster".to_owned())]
    );
    let err = Roster::load(Path::new("/nonexistent/roster.csv"), None).expect_err("missing");
    assert!(matches!(err, RosterError::Read { .. }));
}
