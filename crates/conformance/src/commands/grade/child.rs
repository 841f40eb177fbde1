//! One submission, graded by a `conformance run` of its own: the command line, the process
//! (in its own network namespace when the machine allows), its deadline, and everything it
//! started killed once it is done, whatever happened to it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use conformance::engine::report_without_run;
use conformance::grade::isolation::{self, Isolation, shell_line};
use conformance::grade::{Entry, StudentResult, StudentStatus, Submission};
use conformance::outcome::{Status, Summary};
use conformance::report::bundle::{Bundle, write_dir};
use tokio::sync::watch;
use tokio::time::Instant;

use super::Plan;
use crate::commands::output::eprint;

/// The mark in the environment of each child and everything it starts: how what a killed
/// child left running is found.
const MARK: &str = "SOCKET_LAB_GRADE";

/// Time a child gets to write its report after its own time limit, before it is stopped.
const MARGIN: Duration = Duration::from_secs(60);

/// Time a child gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(10);

/// The `run` arguments that grade `entry`, without the report folder and the student's name.
fn run_args(plan: &Plan, entry: &Entry) -> Vec<String> {
    let mut a: Vec<String> = ["run", "--suite", &plan.suite_arg]
        .map(str::to_owned)
        .to_vec();
    let mut push = |words: &[&str]| a.extend(words.iter().map(|w| (*w).to_owned()));
    match &entry.submission {
        Submission::Program {
            folder,
            command,
            port,
        } => {
            push(&["--spawn", command, "--cwd", &folder.display().to_string()]);
            if let Some(p) = port {
                push(&["--port", &p.to_string()]);
            }
            push(&plan.limits.iter().map(String::as_str).collect::<Vec<_>>());
        }
        Submission::Target(t) => push(&["--target", t]),
    }
    push(&plan.common.iter().map(String::as_str).collect::<Vec<_>>());
    a
}

/// The addresses made local in `entry`'s namespace.
fn addresses(plan: &Plan, entry: &Entry) -> Vec<std::net::IpAddr> {
    let mut all = plan.addresses.clone();
    all.extend(entry.addresses.iter().copied());
    all.sort();
    all.dedup();
    all
}

/// Whether `entry` runs in a namespace of its own (a program, on a machine that allows it), and
/// whether in a user namespace too.
fn isolated(isolation: &Isolation, entry: &Entry) -> Option<bool> {
    match isolation {
        Isolation::Namespaces { user }
            if matches!(entry.submission, Submission::Program { .. }) =>
        {
            Some(*user)
        }
        _ => None,
    }
}

/// The full command line of the child that grades `entry` into `dir`, and the command that
/// grades it again on a terminal (disputes).
pub fn command(plan: &Plan, entry: &Entry, isolation: &Isolation, dir: &Path) -> Vec<String> {
    let args = run_args(plan, entry);
    let mut rerun = vec!["conformance".to_owned()];
    rerun.extend(args.iter().cloned());
    let mut argv = vec![plan.exe.display().to_string()];
    argv.extend(args);
    let wrap = |words: Vec<String>| match isolated(isolation, entry) {
        Some(user) => isolation::wrap(&words, &addresses(plan, entry), user),
        None => words,
    };
    argv.extend([
        "--color".to_owned(),
        "never".to_owned(),
        "--report-dir".to_owned(),
        dir.display().to_string(),
        "--student".to_owned(),
        entry.student.clone(),
        "--rerun-command".to_owned(),
        shell_line(&wrap(rerun)),
    ]);
    wrap(argv)
}

/// Grades `entry`: runs its child until it ends, its deadline, or `stop`; then reads its grade.
pub async fn grade(
    plan: &Plan,
    entry: &Entry,
    isolation: &Isolation,
    mut stop: watch::Receiver<Option<String>>,
) -> StudentResult {
    let dir = plan.out.join(&entry.student);
    let argv = command(plan, entry, isolation, &dir);
    let token = format!("{}-{}-{}", std::process::id(), entry.index, entry.student);
    let ended = match spawn(&argv, &dir, &token) {
        Ok(mut child) => {
            let deadline = Instant::now() + plan.time_limit + MARGIN;
            let ended = tokio::select! {
                status = child.wait() => status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                () = tokio::time::sleep_until(deadline) => {
                    terminate(&mut child).await;
                    format!("it did not finish within its time limit and {} s more", MARGIN.as_secs())
                }
                () = stopped(&mut stop) => {
                    terminate(&mut child).await;
                    "grading was stopped".to_owned()
                }
            };
            kill_marked(&token).await;
            ended
        }
        Err(e) => format!("cannot start `{}`: {e}", argv[0]),
    };
    let mut result = read_grade(&dir).unwrap_or_else(|| {
        not_graded(
            plan,
            entry,
            &format!(
                "the grader's run ended without a report ({ended}); see {}/run.log",
                entry.student
            ),
            StudentStatus::Error,
        )
    });
    result.student.clone_from(&entry.student);
    result.command = shell_line(&argv);
    // The child's own `--rerun-command` is the one to show.
    if result.rerun.is_empty() {
        result.rerun = result.command.clone();
    }
    result
}

fn spawn(argv: &[String], dir: &Path, token: &str) -> std::io::Result<tokio::process::Child> {
    std::fs::create_dir_all(dir)?;
    let log = std::fs::File::create(dir.join("run.log"))?;
    tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env(MARK, token)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Its own group: a Ctrl-C at the terminal reaches the grader, which stops each child
        // in turn and keeps their reports.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
}

/// Resolves once a stop is asked for.
async fn stopped(stop: &mut watch::Receiver<Option<String>>) {
    loop {
        if stop.borrow_and_update().is_some() {
            return;
        }
        if stop.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// SIGTERM (the child stops its program and writes its report), SIGKILL after [`GRACE`].
async fn terminate(child: &mut tokio::process::Child) {
    if let Some(pid) = child
        .id()
        .and_then(|p| rustix::process::Pid::from_raw(p as i32))
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        let _ = child.kill().await;
    }
}

/// Kills every process that carries `token` (what a killed child left running), until none
/// is left or 5 s have passed.
pub async fn kill_marked(token: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let needle = format!("{MARK}={token}");
    loop {
        let marked = marked(&needle);
        if marked.is_empty() || Instant::now() >= deadline {
            return;
        }
        for pid in marked {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn marked(needle: &str) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == needle.as_bytes()))
        })
        .collect()
}

fn read_grade(dir: &Path) -> Option<StudentResult> {
    let text = std::fs::read(dir.join("grade.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

/// The grade of a student who could not be graded (`status`: `error`, or `stopped` when the
/// grading was stopped first): every scenario not run, the maximum as for everyone; their
/// report folder written from it, so the class page links somewhere.
pub fn not_graded(plan: &Plan, entry: &Entry, why: &str, status: StudentStatus) -> StudentResult {
    let mut report = report_without_run(&plan.suite, "", &plan.opts, why);
    // Scenarios a run would skip are skipped here too: the maximum is everyone's.
    for r in &mut report.scenarios {
        let s = plan.suite.scenarios.iter().find(|s| s.id == r.id);
        if s.is_some_and(|s| {
            (s.needs_udp() && !plan.opts.udp) || (s.has_tag("slow") && !plan.opts.slow)
        }) {
            r.status = Status::Skipped;
        }
    }
    report.summary = Summary::of(&report.scenarios);
    if let Some(rubric) = &plan.rubric {
        rubric.apply(&plan.suite, &mut report);
    }
    let bundle = Bundle {
        student: Some(&entry.student),
        family: plan.family,
        rerun: None,
        spawned: true,
    };
    let dir = plan.out.join(&entry.student);
    if let Err(e) = write_dir(&report, &dir, &bundle) {
        eprint(&format!(
            "conformance: cannot write {}: {e}\n",
            dir.display()
        ));
    }
    let mut result = StudentResult::of(&entry.student, &report, true);
    result.status = status;
    result.reason = Some(why.to_owned());
    result
}
