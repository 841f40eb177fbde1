//! `conformance grade ROSTER --suite S --out DIR`: every submission of a roster graded by a
//! `conformance run` of its own (`child`), `--jobs` at once, each in its own network namespace
//! when the machine allows; a report folder per student, then the gradebook and the class
//! summary (`class`). `grade merge` puts the slices of `--partition` together (`merge`).

mod child;
mod class;
mod merge;
mod progress;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use conformance::engine::RunOptions;
use conformance::exit;
use conformance::grade::isolation::{self, Isolation};
use conformance::grade::{
    Entry, Partition, Roster, Rubric, StudentResult, StudentStatus, Submission,
};
use conformance::scenario::Suite;
use conformance::suites::{self, Found};
use tokio::sync::{Mutex, Semaphore, watch};

use super::output::eprint;
use crate::{GradeArgs, GradeCommand, IsolationChoice, JunitFamily};

/// What a class is graded with.
pub struct Plan {
    roster: Roster,
    suite: Suite,
    /// `--suite` as each child is given it.
    suite_arg: String,
    out: PathBuf,
    exe: PathBuf,
    seed: u64,
    partition: Partition,
    jobs: usize,
    time_limit: Duration,
    /// Addresses every namespace gets: the host name's, the suite's, `--address`.
    addresses: Vec<IpAddr>,
    /// `run` arguments every child gets.
    common: Vec<String>,
    /// `run` limit arguments, for spawned programs.
    limits: Vec<String>,
    rubric: Option<Rubric>,
    opts: RunOptions,
    family: conformance::report::junit::Family,
}

/// Runs `conformance grade`; returns the exit code.
pub fn grade(args: GradeArgs) -> i32 {
    if let Some(GradeCommand::Merge { dirs, out }) = &args.action {
        return merge::merge(dirs, out);
    }
    let plan = match plan(&args) {
        Ok(p) => p,
        Err(why) => {
            eprint(&format!("conformance: {why}\n"));
            return exit::INVALID;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprint(&format!(
                "conformance: cannot start the async runtime: {e}\n"
            ));
            return exit::INVALID;
        }
    };
    runtime.block_on(grade_all(Arc::new(plan), args.isolation))
}

fn plan(args: &GradeArgs) -> Result<Plan, String> {
    let (Some(roster_path), Some(out)) = (&args.roster, &args.out) else {
        return Err("give a roster and --out DIR".to_owned());
    };
    let roster =
        Roster::load(roster_path, args.default_command.as_deref()).map_err(|e| e.to_string())?;
    let suite_arg = match suites::resolve(&args.suite).map_err(|e| e.to_string())? {
        Found::Folder(dir) => absolute(&dir).display().to_string(),
        Found::BuiltIn(b) => b.name().to_owned(),
    };
    let suite =
        super::load(&suite_arg).map_err(|_| format!("suite `{}` does not load", args.suite))?;
    let rubric = match &args.rubric {
        Some(p) => Some(Rubric::load(p, &suite).map_err(|e| e.to_string())?),
        None => None,
    };
    std::fs::create_dir_all(out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let seed = args.seed.unwrap_or_else(super::run::fresh_seed);
    let mut addresses = isolation::host_addresses();
    addresses.extend(suite.addresses.iter().copied());
    addresses.extend(args.addresses.iter().copied());
    addresses.sort();
    addresses.dedup();
    let opts = RunOptions {
        seed,
        udp: args.udp,
        slow: args.slow,
        timeout_scale: args.timeout_scale,
        vars: args.vars.clone(),
        ..RunOptions::default()
    };
    Ok(Plan {
        common: common_args(args, seed),
        limits: limit_args(args),
        suite_arg,
        out: absolute(out),
        exe,
        seed,
        partition: args.partition.unwrap_or(Partition::WHOLE),
        jobs: args.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        ),
        time_limit: args.time_limit,
        addresses,
        rubric,
        opts,
        family: match args.junit_family {
            JunitFamily::Xunit2 => conformance::report::junit::Family::Xunit2,
            JunitFamily::Xunit1 => conformance::report::junit::Family::Xunit1,
        },
        suite,
        roster,
    })
}

fn absolute(p: &std::path::Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The `run` options of every child.
fn common_args(args: &GradeArgs, seed: u64) -> Vec<String> {
    let mut a = vec![
        "--seed".to_owned(),
        seed.to_string(),
        "--time-limit".to_owned(),
        humantime::format_duration(args.time_limit).to_string(),
    ];
    if args.timeout_scale != 1.0 {
        a.extend(["--timeout-scale".to_owned(), args.timeout_scale.to_string()]);
    }
    for (on, flag) in [(args.udp, "--udp"), (args.slow, "--slow")] {
        if on {
            a.push(flag.to_owned());
        }
    }
    for (name, value) in &args.vars {
        a.extend(["--var".to_owned(), format!("{name}={value}")]);
    }
    if let Some(r) = &args.rubric {
        a.extend(["--rubric".to_owned(), absolute(r).display().to_string()]);
    }
    if args.rerun_failed > 0 {
        a.extend(["--rerun-failed".to_owned(), args.rerun_failed.to_string()]);
    }
    if args.junit_family == JunitFamily::Xunit1 {
        a.extend(["--junit-family".to_owned(), "xunit1".to_owned()]);
    }
    a
}

fn limit_args(args: &GradeArgs) -> Vec<String> {
    let l = &args.limits;
    let mut a = Vec::new();
    let numbers = [
        ("--cpu-limit", l.cpu_limit),
        ("--memory-limit", l.memory_limit),
        ("--file-size-limit", l.file_size_limit),
        ("--process-limit", l.process_limit.map(u64::from)),
        ("--open-files-limit", l.open_files_limit),
    ];
    for (flag, value) in numbers {
        if let Some(v) = value {
            a.extend([flag.to_owned(), v.to_string()]);
        }
    }
    if let Some(d) = l.wall_clock_limit {
        a.extend([
            "--wall-clock-limit".to_owned(),
            humantime::format_duration(d).to_string(),
        ]);
    }
    a
}

/// Decides the isolation, says it, and says what it means for this roster.
async fn choose_isolation(plan: &Plan, choice: IsolationChoice) -> Result<Isolation, String> {
    let isolation = match choice {
        IsolationChoice::None => Isolation::Shared {
            why: "--isolation none".to_owned(),
        },
        _ => isolation::probe().await,
    };
    match &isolation {
        Isolation::Namespaces { user } => {
            let extra: Vec<String> = plan.addresses.iter().map(IpAddr::to_string).collect();
            eprint(&format!(
                "isolation: a network namespace per submission{} (loopback only{})\n",
                if *user { ", in a user namespace" } else { "" },
                if extra.is_empty() {
                    String::new()
                } else {
                    format!(", plus {}", extra.join(", "))
                }
            ));
        }
        Isolation::Shared { why } if choice == IsolationChoice::Namespace => {
            return Err(format!("--isolation namespace: not on this machine: {why}"));
        }
        Isolation::Shared { why } => eprint(&format!(
            "isolation: none ({why}): programs share this machine's network; {{port}} programs run in parallel, programs with a fixed port one at a time; addresses such as 192.168.1.4 must exist here\n"
        )),
    }
    Ok(isolation)
}

async fn grade_all(plan: Arc<Plan>, choice: IsolationChoice) -> i32 {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let isolation = match choose_isolation(&plan, choice).await {
        Ok(i) => Arc::new(i),
        Err(why) => {
            eprint(&format!("conformance: {why}\n"));
            return exit::INVALID;
        }
    };
    let entries: Vec<Entry> = plan
        .roster
        .entries
        .iter()
        .filter(|e| plan.partition.holds(e.index))
        .cloned()
        .collect();
    eprint(&format!(
        "grading {} of {} student(s) (slice {}), suite `{}`, seed {}, {} at once\n",
        entries.len(),
        plan.roster.entries.len(),
        plan.partition,
        plan.suite.name,
        plan.seed,
        plan.jobs
    ));
    let (stop_tx, stop_rx) = watch::channel(None);
    let stop = super::stop::Stop::install();
    let watcher = tokio::spawn(async move {
        let why = stop.requested(None).await;
        let _ = stop_tx.send(Some(why));
        stop_tx.closed().await;
    });
    let progress = Arc::new(progress::ClassProgress::new(entries.len()));
    let results = run_all(&plan, &isolation, &entries, &stop_rx, &progress).await;
    progress.finish();
    watcher.abort();
    let stopped = stop_rx.borrow().clone();
    let meta = class::Meta {
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        isolation: match &*isolation {
            Isolation::Namespaces { .. } => "network namespace per submission".to_owned(),
            Isolation::Shared { why } => format!("none ({why})"),
        },
    };
    if let Err(why) = class::finish(&plan, &entries, &results, &meta) {
        eprint(&format!("conformance: {why}\n"));
        return exit::INVALID;
    }
    if stopped.is_some() {
        exit::STOPPED
    } else if results.iter().any(|r| r.status == StudentStatus::Error) {
        exit::FAILED
    } else {
        exit::PASSED
    }
}

/// Waits (at most 75 s) until no connection of an earlier program on `port` is in TIME_WAIT:
/// the next program that hard-codes the port could not bind it before.
async fn wait_time_wait(port: u16) {
    if isolation::time_wait(port) == 0 {
        return;
    }
    eprint(&format!(
        "  port {port}: waiting for the last program's connections to leave TIME_WAIT (up to 60 s) before the next program that hard-codes it\n"
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(75);
    while isolation::time_wait(port) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Grades every entry, `jobs` at once; programs that share a fixed port one at a time when
/// they share the network. The results are in roster order.
async fn run_all(
    plan: &Arc<Plan>,
    isolation: &Arc<Isolation>,
    entries: &[Entry],
    stop: &watch::Receiver<Option<String>>,
    progress: &Arc<progress::ClassProgress>,
) -> Vec<StudentResult> {
    let jobs = Arc::new(Semaphore::new(plan.jobs.max(1)));
    let shared = matches!(**isolation, Isolation::Shared { .. });
    let mut ports: HashMap<u16, Arc<Mutex<()>>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (order, entry) in entries.iter().cloned().enumerate() {
        let port_lock = match &entry.submission {
            Submission::Program { port: Some(p), .. } if shared => {
                Some(ports.entry(*p).or_default().clone())
            }
            _ => None,
        };
        let (plan, isolation, jobs, stop, progress) = (
            plan.clone(),
            isolation.clone(),
            jobs.clone(),
            stop.clone(),
            progress.clone(),
        );
        tasks.spawn(async move {
            let _port = match (&port_lock, &entry.submission) {
                (Some(lock), Submission::Program { port: Some(p), .. }) => {
                    let held = lock.clone().lock_owned().await;
                    wait_time_wait(*p).await;
                    Some(held)
                }
                _ => None,
            };
            let _permit = jobs.acquire_owned().await.expect("never closed");
            let stopped = stop.borrow().clone();
            let result = match stopped {
                Some(why) => child::not_graded(
                    &plan,
                    &entry,
                    &format!("grading was stopped ({why}) before this student"),
                    StudentStatus::Stopped,
                ),
                None => {
                    progress.started(&entry.student);
                    child::grade(&plan, &entry, &isolation, stop.clone()).await
                }
            };
            progress.finished(&result);
            (order, result)
        });
    }
    let mut results: Vec<Option<StudentResult>> = vec![None; entries.len()];
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((order, result)) => results[order] = Some(result),
            Err(e) => eprint(&format!(
                "conformance: internal error grading a student: {e}\n"
            )),
        }
    }
    results
        .into_iter()
        .zip(entries)
        .map(|(r, e)| {
            r.unwrap_or_else(|| {
                child::not_graded(plan, e, "the grader failed", StudentStatus::Error)
            })
        })
        .collect()
}
