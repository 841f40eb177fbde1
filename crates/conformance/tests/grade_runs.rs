//! `conformance grade` beyond the fixture class: a core-suite roster with a defect and a
//! running server, `--rerun-failed` telling a flaky submission apart, and `--partition` slices
//! merged back into one gradebook. Every grading is checked to leave no process running.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::grading::{exe, grade, gradebook, read, run_marked, text};
use common::repo;

#[test]
fn a_core_roster_with_a_defect_and_a_running_server() {
    let server = common::StudentServer::start(None, &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    for s in ["ann", "ben"] {
        std::fs::create_dir(dir.path().join(s)).expect("folder");
    }
    let script = repo().join("fixtures/servers/student_server.py");
    let command = format!(
        "python3 {} --port {{port}} --root . --udp",
        script.display()
    );
    let roster = format!(
        "student,folder,command,port,target\nann,ann,{command},,\nben,ben,{command} --defect get-directory-500,,\ncat,,,,{}\n",
        server.addr
    );
    std::fs::write(dir.path().join("roster.csv"), roster).expect("roster");
    let out = dir.path().join("out");
    let result = grade(
        &[
            &dir.path().join("roster.csv").display().to_string(),
            "--suite",
            "core",
            "--udp",
            "--seed",
            "11",
            "--out",
            &out.display().to_string(),
        ],
        "grade-core",
    );
    let said = text(&result);
    let rows = gradebook(&out);
    let max = &rows[0]["max"];
    let short =
        |r: &BTreeMap<String, String>| format!("{} {} {}", r["student"], r["score"], r["status"]);
    let lower: u32 = max.parse::<u32>().expect("a whole maximum") - 1;
    assert_eq!(
        rows.iter().map(short).collect::<Vec<_>>(),
        [
            format!("ann {max} passed"),
            format!("ben {lower} failed"),
            format!("cat {max} passed")
        ],
        "{said}"
    );
    assert_eq!(rows[1]["get-directory"], "0");
    assert!(rows[2]["rerun"].contains(&format!("--target {}", server.addr)));
}

#[test]
fn a_flaky_submission_is_told_apart_by_rerun_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flaky = repo().join("fixtures/roster/flaky");
    let state = dir.path().join("state");
    let roster = format!(
        "student,folder,command\nfay,{},FLAKY_STATE={} python3 server.py {{port}}\n",
        flaky.display(),
        state.display()
    );
    std::fs::write(dir.path().join("roster.csv"), roster).expect("roster");
    let out = dir.path().join("out");
    let result = grade(
        &[
            &dir.path().join("roster.csv").display().to_string(),
            "--suite",
            "labs/greeter",
            "--rerun-failed",
            "1",
            "--cpu-limit",
            "30",
            "--out",
            &out.display().to_string(),
        ],
        "grade-flaky",
    );
    let said = text(&result);
    let rows = gradebook(&out);
    assert_eq!(
        (rows[0]["score"].as_str(), rows[0]["status"].as_str()),
        ("5", "passed"),
        "{said}"
    );
    assert_eq!(
        rows[0]["flaky"], "greets client-after-client waiting-client",
        "{said}"
    );
    let summary = read(out.join("summary.txt"));
    assert!(
        summary.contains("flaky (failed, then passed when run again):\n  fay"),
        "{summary}"
    );
    // The limits reach the student's run: the command that grades them again says so.
    assert!(
        rows[0]["rerun"].contains("--cpu-limit 30"),
        "{}",
        rows[0]["rerun"]
    );
    let report = read(out.join("fay/report.txt"));
    assert!(
        report.contains("(flaky: failed, then passed on attempt 2)"),
        "{report}"
    );
}

#[test]
fn slices_of_a_roster_merge_into_one_gradebook() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = repo().join("fixtures/roster");
    let mut roster = "student,folder,command\n".to_owned();
    for s in ["alice", "bob", "carol"] {
        roster += &format!(
            "{s},{},python3 server.py {{port}}\n",
            fixtures.join(s).display()
        );
    }
    let roster_path = dir.path().join("roster.csv").display().to_string();
    std::fs::write(&roster_path, roster).expect("roster");
    let slice = |k: &str, seed: &str| -> PathBuf {
        let out = dir.path().join(format!("slice-{k}-{seed}"));
        let part = format!("{k}/2");
        let result = grade(
            &[
                &roster_path,
                "--suite",
                "labs/greeter",
                "--partition",
                &part,
                "--seed",
                seed,
                "--out",
                &out.display().to_string(),
            ],
            &format!("grade-slice-{k}-{seed}"),
        );
        assert_eq!(result.status.code(), Some(0), "{}", text(&result));
        out
    };
    let (one, two) = (slice("1", "5"), slice("2", "5"));
    // Slice 1 of 2 has the 1st and 3rd students, slice 2 the 2nd.
    let names =
        |d: &Path| -> Vec<String> { gradebook(d).iter().map(|r| r["student"].clone()).collect() };
    assert_eq!(names(&one), ["alice", "carol"]);
    assert_eq!(names(&two), ["bob"]);
    let merged = dir.path().join("merged");
    let merge = |dirs: &[&Path]| {
        let mut argv = vec![exe().to_owned(), "grade".to_owned(), "merge".to_owned()];
        argv.extend(dirs.iter().map(|d| d.display().to_string()));
        argv.extend(["--out".to_owned(), merged.display().to_string()]);
        run_marked(&argv, "grade-merge")
    };
    let result = merge(&[&two, &one]);
    assert_eq!(result.status.code(), Some(0), "{}", text(&result));
    let rows = gradebook(&merged);
    let got: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {} {}", r["student"], r["score"], r["status"]))
        .collect();
    assert_eq!(
        got,
        ["alice 5 passed", "bob 2 failed", "carol 0 did_not_start"]
    );
    assert!(merged.join("bob/report.html").is_file());
    assert!(read(merged.join("index.html")).contains("merged from 2 slice(s)"));
    // A slice missing, and a slice graded with another seed.
    let result = merge(&[&one]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        text(&result).contains("slice(s) 2/2 missing"),
        "{}",
        text(&result)
    );
    let other = slice("2", "6");
    let result = merge(&[&one, &other]);
    assert_eq!(result.status.code(), Some(2));
    assert!(
        text(&result).contains("another roster, suite, seed"),
        "{}",
        text(&result)
    );
}

/// This machine's first global IPv4 address, if it has one.
fn outside_address() -> Option<String> {
    let out = std::process::Command::new("ip")
        .args(["-4", "-o", "addr", "show", "scope", "global"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let word = text
        .split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)?;
    Some(word.split('/').next()?.to_owned())
}

#[test]
fn a_submission_in_its_namespace_reaches_no_network() {
    if !common::grading::namespaces() {
        eprintln!("network namespaces are not allowed here: not checked");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = outside_address().unwrap_or_default();
    let roster = format!(
        "student,folder,command\nnosy,{},OUTSIDE={outside} python3 server.py {{port}}\n",
        repo().join("fixtures/roster/nosy").display()
    );
    std::fs::write(dir.path().join("roster.csv"), roster).expect("roster");
    let out = dir.path().join("out");
    let result = grade(
        &[
            &dir.path().join("roster.csv").display().to_string(),
            "--suite",
            "labs/greeter",
            "--out",
            &out.display().to_string(),
        ],
        "grade-nosy",
    );
    let said = text(&result);
    assert_eq!(gradebook(&out)[0]["status"], "passed", "{said}");
    let report: serde_json::Value =
        serde_json::from_str(&read(out.join("nosy/report.json"))).expect("JSON");
    let printed = report["program"]["stdout"]["head"]
        .as_str()
        .unwrap_or_default();
    assert!(
        printed.contains("cannot reach 1.1.1.1 - [Errno 101] Network is unreachable"),
        "{printed}"
    );
    if !outside.is_empty() {
        let own = format!("cannot reach {outside} - [Errno 101] Network is unreachable");
        assert!(printed.contains(&own), "{printed}");
    }
}

/// Whether `nobody` can be run as, and may make a network namespace in a user namespace.
fn unprivileged_namespaces() -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    root && std::process::Command::new("runuser")
        .args([
            "-u",
            "nobody",
            "--",
            "unshare",
            "--user",
            "--map-root-user",
            "--net",
            "true",
        ])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_grader_who_is_not_root_isolates_in_a_user_namespace() {
    if !unprivileged_namespaces() {
        eprintln!("no unprivileged user namespaces as nobody here: not checked");
        return;
    }
    // Everything nobody runs or reads is copied into a folder it may enter: the checkout (and
    // the binary in its target/) may sit below a folder only root can (a `mktemp -d`).
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = repo().join("fixtures/roster");
    let mut roster = "student,folder,command,port\n".to_owned();
    for s in ["frank", "grace"] {
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(fixtures.join(s))
            .arg(dir.path())
            .status();
        assert!(status.is_ok_and(|s| s.success()), "copy {s}");
        roster += &format!(
            "{s},{},python3 server.py,65432\n",
            dir.path().join(s).display()
        );
    }
    let exe_copy = dir.path().join("conformance");
    std::fs::copy(exe(), &exe_copy).expect("copy the binary");
    std::fs::write(dir.path().join("roster.csv"), roster).expect("roster");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out");
    for path in [dir.path(), &out] {
        let status = std::process::Command::new("chmod")
            .arg("-R")
            .arg("a+rwX")
            .arg(path)
            .status();
        assert!(status.is_ok_and(|s| s.success()));
    }
    let argv: Vec<String> = [
        "runuser",
        "-u",
        "nobody",
        "--",
        &exe_copy.display().to_string(),
        "grade",
        &dir.path().join("roster.csv").display().to_string(),
        "--suite",
        "labs/greeter",
        "--out",
        &out.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let result = run_marked(&argv, "grade-nobody");
    let said = text(&result);
    assert!(
        said.contains("isolation: a network namespace per submission, in a user namespace"),
        "{said}"
    );
    let got: Vec<String> = gradebook(&out)
        .iter()
        .map(|r| format!("{} {}", r["student"], r["status"]))
        .collect();
    assert_eq!(got, ["frank passed", "grace passed"], "{said}");
}

#[test]
fn a_program_that_binds_the_host_name_is_graded_where_the_name_is_not_loopback() {
    // A machine whose host name resolves to a LAN address, as on most students' laptops: a
    // host name and /etc/hosts of their own, for this grading only (UTS and mount namespaces).
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root || !common::grading::namespaces() {
        eprintln!("not root, or no namespaces: not checked");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let hosts = dir.path().join("hosts");
    std::fs::write(&hosts, "127.0.0.1 localhost\n10.11.12.13 lab-pc-7\n").expect("hosts");
    let roster = format!(
        "student,folder,command,port\nheidi,{},python3 server.py,65432\n",
        repo().join("fixtures/roster/heidi").display()
    );
    std::fs::write(dir.path().join("roster.csv"), roster).expect("roster");
    let out = dir.path().join("out");
    let script = format!(
        "hostname lab-pc-7 && mount --bind {} /etc/hosts && exec \"$0\" \"$@\"",
        hosts.display()
    );
    let argv: Vec<String> = [
        "unshare",
        "--uts",
        "--mount",
        "--",
        "sh",
        "-c",
        &script,
        exe(),
        "grade",
        &dir.path().join("roster.csv").display().to_string(),
        "--suite",
        "labs/greeter",
        "--out",
        &out.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let result = run_marked(&argv, "grade-hostname");
    let said = text(&result);
    assert!(said.contains("(loopback only, plus 10.11.12.13)"), "{said}");
    let rows = gradebook(&out);
    assert_eq!(
        (rows[0]["score"].as_str(), rows[0]["status"].as_str()),
        ("5", "passed"),
        "{said}"
    );
}
