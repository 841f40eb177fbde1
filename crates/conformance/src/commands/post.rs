//! What `run` does once the suite has run: failures run again (`--rerun-failed`), the rubric
//! applied (`--rubric`), every format written into the report folder (`--report-dir`); and the
//! stop signal shared by the run and its reruns.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use conformance::engine::{Observer, RunOptions, Subject};
use conformance::grade::isolation::shell_line;
use conformance::grade::rerun::rerun_failed;
use conformance::outcome::{RunReport, ScenarioReport};
use conformance::report::{bundle, human};
use conformance::scenario::Suite;
use tokio::sync::watch;

use super::output::eprint;
use super::stop::Stop;
use crate::RunArgs;

/// The reason to stop (a signal, the time limit), once there is one, for every future that
/// asks: the run and each of its reruns.
pub struct SharedStop(watch::Receiver<Option<String>>);

impl SharedStop {
    /// Starts watching `stop` and the time limit (counted from now, for the run and its reruns
    /// together).
    pub fn start(stop: Stop, limit: Option<Duration>) -> SharedStop {
        let (tx, rx) = watch::channel(None);
        tokio::spawn(async move {
            let why = stop.requested(limit).await;
            let _ = tx.send(Some(why));
            // Kept open: a closed channel would read as "never".
            tx.closed().await;
        });
        SharedStop(rx)
    }

    /// Resolves with the reason once the run must stop.
    pub fn wait(&self) -> impl Future<Output = String> + use<> {
        let mut rx = self.0.clone();
        async move {
            loop {
                if let Some(why) = rx.borrow_and_update().clone() {
                    return why;
                }
                if rx.changed().await.is_err() {
                    return std::future::pending().await;
                }
            }
        }
    }
}

/// Prints each verdict of a rerun, marked as such.
struct RerunLines {
    style: human::Style,
    to_stdout: bool,
}

impl Observer for RerunLines {
    fn finished(&self, report: &ScenarioReport) {
        let line = format!("  (again) {}", human::line(report, self.style).trim_start());
        if self.to_stdout {
            super::print(&line);
        } else {
            eprint(&line);
        }
    }
}

/// Runs the failures again, as `--rerun-failed` asks.
pub async fn rerun(
    args: &RunArgs,
    suite: &Arc<Suite>,
    subject: &Subject,
    opts: &RunOptions,
    report: &mut RunReport,
    stop: &SharedStop,
    (style, to_stdout): (human::Style, bool),
) {
    if args.rerun_failed == 0 {
        return;
    }
    let lines = RerunLines { style, to_stdout };
    rerun_failed(
        suite,
        subject,
        opts,
        report,
        args.rerun_failed,
        &lines,
        || stop.wait(),
    )
    .await;
}

/// The command that runs this again with the same seed and prints the report: this command
/// line without its report folder, output file, format, colour and student name.
pub fn rerun_command(seed: u64) -> String {
    let mut words = vec!["conformance".to_owned()];
    let mut skip_value = false;
    let mut has_seed = false;
    for arg in std::env::args().skip(1) {
        if skip_value {
            skip_value = false;
            continue;
        }
        let name = arg.split('=').next().unwrap_or_default();
        const DROPPED: [&str; 7] = [
            "--report-dir",
            "--output",
            "--format",
            "--student",
            "--audience",
            "--color",
            "--rerun-command",
        ];
        if DROPPED.contains(&name) {
            skip_value = !arg.contains('=');
            continue;
        }
        has_seed |= name == "--seed";
        words.push(arg);
    }
    if !has_seed {
        words.extend(["--seed".to_owned(), seed.to_string()]);
    }
    shell_line(&words)
}

/// Writes the report folder, if one was asked for; an error is said, and is the run's.
pub fn write_dir(args: &RunArgs, report: &RunReport) -> Result<(), String> {
    let Some(dir) = &args.report_dir else {
        return Ok(());
    };
    let rerun = args
        .rerun_command
        .clone()
        .unwrap_or_else(|| rerun_command(report.manifest.seed));
    let b = bundle::Bundle {
        student: args.student.as_deref(),
        family: super::run::family(args),
        rerun: Some(&rerun),
        spawned: args.spawn.is_some(),
    };
    bundle::write_dir(report, dir, &b)
        .map_err(|e| format!("cannot write the report folder {}: {e}", dir.display()))
}
