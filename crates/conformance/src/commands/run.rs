//! `conformance run`: pick the target, run the suite with progress lines, write the report,
//! choose the exit code.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use conformance::engine::{RunOptions, Target, run_suite, selected};
use conformance::exit;
use conformance::outcome::RunReport;
use conformance::report::{self, human};
use conformance::scenario::Suite;

use crate::{Format, RunArgs};

/// Writes progress to stdout or stderr; a closed pipe (`| head`) is not an error worth a panic.
fn show(to_stdout: bool, text: &str) {
    let _ = if to_stdout {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    } else {
        std::io::stderr().lock().write_all(text.as_bytes())
    };
}

/// The graded server, and the built-in one to stop afterwards if that is what it is.
struct Chosen {
    target: Target,
    udp: bool,
    #[cfg(feature = "builtin")]
    builtin: Option<conformance::target::BuiltIn>,
}

impl Chosen {
    async fn stop(self) {
        #[cfg(feature = "builtin")]
        if let Some(server) = self.builtin {
            server.stop().await;
        }
    }
}

async fn choose_target(args: &RunArgs, suite: &Suite, scale: f64) -> Result<Chosen, i32> {
    if let Some(t) = &args.target {
        let addr = conformance::target::resolve(t, scale)
            .await
            .map_err(|why| {
                eprintln!("conformance: {why}");
                exit::UNREACHABLE
            })?;
        return Ok(Chosen {
            target: Target {
                addr,
                description: addr.to_string(),
            },
            udp: args.udp,
            #[cfg(feature = "builtin")]
            builtin: None,
        });
    }
    builtin(suite).await
}

#[cfg(feature = "builtin")]
async fn builtin(suite: &Suite) -> Result<Chosen, i32> {
    match conformance::target::BuiltIn::start(suite).await {
        Ok(server) => Ok(Chosen {
            target: Target {
                addr: server.addr(),
                description: format!("{} (built-in reference server)", server.addr()),
            },
            udp: true,
            builtin: Some(server),
        }),
        Err(e) => {
            eprintln!("conformance: cannot start the built-in server: {e}");
            Err(exit::INVALID)
        }
    }
}

#[cfg(not(feature = "builtin"))]
async fn builtin(_: &Suite) -> Result<Chosen, i32> {
    eprintln!("conformance: this build has no built-in server; pass --target HOST:PORT");
    Err(exit::INVALID)
}

/// A short seed is easy to type back in with --seed; RandomState is seeded by the OS.
fn fresh_seed() -> u64 {
    use std::hash::BuildHasher;
    u64::from(std::hash::RandomState::new().hash_one(std::time::SystemTime::now()) as u32)
}

/// Runs `conformance run`; returns the exit code.
pub fn run(args: RunArgs) -> i32 {
    let suite = match super::load(&args.suite) {
        Ok(s) => Arc::new(s),
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("conformance: cannot start the async runtime: {e}");
            return exit::INVALID;
        }
    };
    runtime.block_on(run_async(args, suite))
}

async fn run_async(args: RunArgs, suite: Arc<Suite>) -> i32 {
    let scale = args.timeout_scale.max(0.01);
    let chosen = match choose_target(&args, &suite, scale).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = RunOptions {
        timeout_scale: scale,
        seed: args.seed.unwrap_or_else(fresh_seed),
        jobs: args.jobs,
        udp: chosen.udp,
        filter: args.filter.clone(),
        tags: args.tag.clone(),
        slow: args.slow,
    };
    let count = suite
        .scenarios
        .iter()
        .filter(|s| selected(s, &opts))
        .count();
    let human_on_stdout = args.format == Format::Human && args.output.is_none();
    let style = human::Style {
        color: human_on_stdout
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none(),
    };
    // Progress goes to the terminal: stdout for the human report, else stderr.
    let header = human::header(&suite.name, count, &chosen.target.description, opts.seed);
    show(
        human_on_stdout,
        &if human_on_stdout {
            format!("{header}\n")
        } else {
            header
        },
    );
    let report = run_suite(suite.clone(), &chosen.target, &opts, move |r| {
        show(human_on_stdout, &human::line(r, style));
    })
    .await;
    chosen.stop().await;
    if let Err(code) = write_report(&report, &args, style, human_on_stdout) {
        return code;
    }
    if !human_on_stdout {
        show(false, &human::summary(&report));
    }
    exit_code(&report)
}

fn write_report(
    report: &RunReport,
    args: &RunArgs,
    style: human::Style,
    human_on_stdout: bool,
) -> Result<(), i32> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("conformance: cannot write {}: {e}", path.display());
                return Err(exit::INVALID);
            }
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let written = match args.format {
        Format::Human if human_on_stdout => out.write_all(human::footer(report, style).as_bytes()),
        Format::Human => human::write(report, &mut out, human::Style { color: false }),
        Format::Json => report::json::write(report, &mut out),
        Format::Junit => report::junit::write(report, &mut out),
        Format::Tap => report::tap::write(report, &mut out),
        Format::Gradescope => report::gradescope::write(report, &mut out),
    };
    written.and_then(|()| out.flush()).map_err(|e| {
        eprintln!("conformance: cannot write the report: {e}");
        exit::INVALID
    })
}

fn exit_code(report: &RunReport) -> i32 {
    if report.unreachable.is_some() {
        exit::UNREACHABLE
    } else if report.summary.all_passed() {
        exit::PASSED
    } else {
        exit::FAILED
    }
}
