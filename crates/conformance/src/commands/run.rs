//! `conformance run`: check the arguments, pick the target, run the suite with progress, write
//! the report whatever happens (an invalid target, a signal, a time limit), choose the exit
//! code.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use conformance::engine::{RunOptions, Subject, report_without_run, run_suite_until, selected};
use conformance::exit;
use conformance::grade::Rubric;
use conformance::outcome::RunReport;
use conformance::report::student::student_view;
use conformance::report::{self, html, human, junit};
use conformance::scenario::Suite;

use super::output::{ReportFile, eprint};
use super::post::{self, SharedStop};
use super::progress::{Progress, dumb_terminal};
use crate::{Audience, Color, Format, JunitFamily, RunArgs};

/// Where and how the report is written.
pub struct Writer {
    format: Format,
    family: junit::Family,
    audience: Audience,
    file: ReportFile,
}

impl Writer {
    /// Writes the whole report to the file, replacing what was there.
    pub fn write(&self, report: &RunReport) -> std::io::Result<()> {
        let view = for_audience(self.audience, report);
        self.file
            .replace(|w| write_format(self.format, self.family, &view, w))
    }
}

/// The report as its reader may see it.
fn for_audience(audience: Audience, report: &RunReport) -> std::borrow::Cow<'_, RunReport> {
    match audience {
        Audience::Instructor => std::borrow::Cow::Borrowed(report),
        Audience::Student => std::borrow::Cow::Owned(student_view(report)),
    }
}

/// The JUnit family `--junit-family` asks for.
pub fn family(args: &RunArgs) -> junit::Family {
    match args.junit_family {
        JunitFamily::Xunit2 => junit::Family::Xunit2,
        JunitFamily::Xunit1 => junit::Family::Xunit1,
    }
}

fn write_format(
    format: Format,
    family: junit::Family,
    report: &RunReport,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let mut w = w;
    match format {
        Format::Human => human::write(report, &mut w, human::Style { color: false }),
        Format::Json => report::json::write(report, &mut w),
        Format::Junit => junit::write_family(report, &mut w, family),
        Format::Tap => report::tap::write(report, &mut w),
        Format::Gradescope => report::gradescope::write(report, &mut w),
        Format::Classroom => report::classroom::write(report, &mut w),
        Format::Html => {
            let page = html::Page {
                student: None,
                audience: html::Audience::Instructor,
                rerun: None,
            };
            html::write(report, &page, &mut w)
        }
    }
}

/// Runs `conformance run`; returns the exit code.
pub fn run(args: RunArgs) -> i32 {
    let suite = match super::load(&args.suite) {
        Ok(s) => Arc::new(s),
        Err(code) => return code,
    };
    let opts = options(&args);
    if let Err(why) = check_selection(&suite, &opts).and_then(|()| check_vars(&suite, &opts)) {
        eprint(&format!("conformance: {why}\n"));
        return exit::INVALID;
    }
    let rubric = match &args.rubric {
        Some(path) => match Rubric::load(path, &suite) {
            Ok(r) => Some(r),
            Err(e) => {
                eprint(&format!("conformance: {e}\n"));
                return exit::INVALID;
            }
        },
        None => None,
    };
    if let Some(dir) = &args.report_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprint(&format!(
            "conformance: cannot write {}: {e}\n",
            dir.display()
        ));
        return exit::INVALID;
    }
    let writer = match &args.output {
        Some(path) => match ReportFile::open(path) {
            Ok(file) => Some(Writer {
                format: args.format,
                family: family(&args),
                audience: args.audience,
                file,
            }),
            Err(e) => {
                eprint(&format!(
                    "conformance: cannot write {}: {e}\n",
                    path.display()
                ));
                return exit::INVALID;
            }
        },
        None => None,
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
    runtime.block_on(run_async(args, suite, opts, writer, rubric))
}

fn options(args: &RunArgs) -> RunOptions {
    RunOptions {
        timeout_scale: args.timeout_scale,
        seed: args.seed.unwrap_or_else(fresh_seed),
        jobs: usize::from(args.jobs),
        udp: args.udp,
        filter: args.filter.clone(),
        tags: args.tag.clone(),
        slow: args.slow,
        probe: args.probe,
        vars: args.vars.clone(),
    }
}

/// A filter or tag that selects nothing is a mistake, not a green run.
fn check_selection(suite: &Suite, opts: &RunOptions) -> Result<(), String> {
    if suite.scenarios.iter().any(|s| selected(s, opts)) {
        return Ok(());
    }
    Err(format!(
        "--filter {:?} --tag {:?} select none of the {} scenarios of suite `{}` (see `conformance list --suite {}`)",
        opts.filter,
        opts.tags,
        suite.scenarios.len(),
        suite.name,
        suite.name
    ))
}

/// `--var` names a variable of the suite.
fn check_vars(suite: &Suite, opts: &RunOptions) -> Result<(), String> {
    for (name, _) in &opts.vars {
        if !suite.variables.iter().any(|(n, _)| n == name) {
            let names: Vec<&str> = suite.variables.iter().map(|(n, _)| n.as_str()).collect();
            return Err(format!(
                "--var {name}: suite `{}` has no such variable (it has: {})",
                suite.name,
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ));
        }
    }
    Ok(())
}

/// A short seed is easy to type back in with --seed; RandomState is seeded by the OS.
pub fn fresh_seed() -> u64 {
    use std::hash::BuildHasher;
    u64::from(std::hash::RandomState::new().hash_one(std::time::SystemTime::now()) as u32)
}

fn colour(choice: Color, human_on_stdout: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            human_on_stdout && std::io::stdout().is_terminal() && !no_color && !dumb_terminal()
        }
    }
}

async fn run_async(
    args: RunArgs,
    suite: Arc<Suite>,
    mut opts: RunOptions,
    writer: Option<Writer>,
    rubric: Option<Rubric>,
) -> i32 {
    let stop = super::stop::Stop::install();
    let human_on_stdout = args.format == Format::Human && args.output.is_none();
    let style = human::Style {
        color: colour(args.color, human_on_stdout),
    };
    let chosen = match super::target::choose(&args, &suite).await {
        Ok(c) => c,
        Err((code, why)) => {
            eprint(&format!("conformance: {why}\n"));
            let target = args.target.clone().unwrap_or_default();
            let mut report = report_without_run(&suite, &target, &opts, &why);
            if let Some(rubric) = &rubric {
                rubric.apply(&suite, &mut report);
            }
            return finish(
                &report,
                &args,
                writer.as_ref(),
                style,
                human_on_stdout,
                code,
            );
        }
    };
    opts.udp = chosen.udp;
    let count = suite
        .scenarios
        .iter()
        .filter(|s| selected(s, &opts))
        .count();
    show_header(
        &human::header(&suite.name, count, &chosen.subject.description(), opts.seed),
        human_on_stdout,
    );
    let for_student = args.audience == Audience::Student;
    let progress = Progress::new(count, human_on_stdout, style, writer, for_student);
    let heartbeat = progress.start_heartbeat();
    let stop = SharedStop::start(stop, args.time_limit);
    let mut report = run_suite_until(
        suite.clone(),
        &chosen.subject,
        &opts,
        &progress,
        stop.wait(),
    )
    .await;
    progress.finish();
    let lines = (style, human_on_stdout);
    post::rerun(
        &args,
        &suite,
        &chosen.subject,
        &opts,
        &mut report,
        &stop,
        lines,
    )
    .await;
    if let Some(h) = heartbeat {
        h.abort();
    }
    chosen.stop().await;
    if let Some(rubric) = &rubric {
        rubric.apply(&suite, &mut report);
    }
    let code = exit_code(&report);
    let writer = progress.into_writer();
    finish(
        &report,
        &args,
        writer.as_ref(),
        style,
        human_on_stdout,
        code,
    )
}

/// The header line: on stdout, a blank line after it, with the human report; else on stderr.
fn show_header(header: &str, human_on_stdout: bool) {
    if human_on_stdout {
        super::print(&format!("{header}\n"));
    } else {
        eprint(header);
    }
}

/// Writes the final report; returns `code`, or the exit code of a report that cannot be written.
fn finish(
    report: &RunReport,
    args: &RunArgs,
    writer: Option<&Writer>,
    style: human::Style,
    human_on_stdout: bool,
    code: i32,
) -> i32 {
    if let Err(why) = post::write_dir(args, report) {
        eprint(&format!("conformance: {why}\n"));
        return exit::INVALID;
    }
    let report = &*for_audience(args.audience, report);
    let written = match writer {
        Some(w) => w.write(report),
        None if human_on_stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(human::footer(report, style).as_bytes())
                .and_then(|()| out.flush())
        }
        None => {
            let mut out = std::io::stdout().lock();
            write_format(args.format, family(args), report, &mut out).and_then(|()| out.flush())
        }
    };
    match written {
        // A closed pipe (`| head`): the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprint(&format!("conformance: cannot write the report: {e}\n"));
            return exit::INVALID;
        }
        Ok(()) => {}
    }
    if !human_on_stdout {
        eprint(&human::summary(report));
    }
    code
}

fn exit_code(report: &RunReport) -> i32 {
    if report.stopped.is_some() {
        exit::STOPPED
    } else if report.unreachable.is_some() {
        exit::UNREACHABLE
    } else if report.summary.all_passed() {
        exit::PASSED
    } else {
        exit::FAILED
    }
}

/// The graded server, and the built-in one to stop afterwards if that is what it is.
pub struct Chosen {
    /// What is graded.
    pub subject: Subject,
    /// Whether it serves UDP.
    pub udp: bool,
    /// A folder that must outlive the run (the built-in lab's empty working folder).
    pub _folder: Option<tempfile::TempDir>,
    #[cfg(feature = "builtin")]
    /// The built-in server, when it is the target.
    pub builtin: Option<conformance::target::BuiltIn>,
}

impl Chosen {
    async fn stop(self) {
        #[cfg(feature = "builtin")]
        if let Some(server) = self.builtin {
            server.stop().await;
        }
    }
}
