//! `conformance`: grade a socket-lab/1 server.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use conformance::engine::{RunOptions, Target, run_suite, selected};
use conformance::report::{self, human};
use conformance::{exit, files, resolve_suite, scenario};

/// Grade any socket-lab/1 server by its address, scenario by scenario.
#[derive(Debug, Parser)]
#[command(version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes:
  0  every scenario passed
  1  some scenario failed, or was not run because the server went down
  2  invalid scenario file or command line
  3  the target could not be reached at all";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a suite against a server (with no --target: against the built-in reference server).
    Run(RunArgs),
    /// List a suite's scenarios with their requirement IDs and points.
    List {
        /// Suite name (in ./conformance/ or shipped) or folder.
        #[arg(long, default_value = "core")]
        suite: String,
    },
    /// Validate scenario files; report every problem with file:line:col and a snippet.
    Check {
        /// Scenario files or suite folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Work with the files a graded server must hold.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
}

#[derive(Debug, Subcommand)]
enum FixturesCommand {
    /// Write the suite's files into DIR: serve DIR as your server's root before a run.
    Export {
        dir: PathBuf,
        #[arg(long, default_value = "core")]
        suite: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
    Tap,
    Gradescope,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The server to grade, HOST:PORT. Without it, the built-in reference server is started.
    #[arg(long)]
    target: Option<String>,
    /// The target also serves UDP on the same port (UDP scenarios are skipped otherwise).
    #[arg(long)]
    udp: bool,
    /// Suite name (in ./conformance/ or shipped) or folder.
    #[arg(long, default_value = "core")]
    suite: String,
    /// Only scenarios whose id contains one of these.
    #[arg(long, num_args = 1..)]
    filter: Vec<String>,
    /// Only scenarios with one of these tags.
    #[arg(long, num_args = 1..)]
    tag: Vec<String>,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE (progress still goes to the terminal).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Multiply every deadline by X, for slow grading machines.
    #[arg(long, default_value_t = 1.0)]
    timeout_scale: f64,
    /// Also run scenarios tagged `slow`, which wait out the spec's minimum timeouts.
    #[arg(long)]
    slow: bool,
    /// Seed for the per-run random names and payloads (printed; pass it to replay a run).
    #[arg(long)]
    seed: Option<u64>,
}

/// Writes progress to stdout or stderr; a closed pipe (`| head`) is not an error worth a panic.
fn show(to_stdout: bool, text: &str) {
    let _ = if to_stdout {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    } else {
        std::io::stderr().lock().write_all(text.as_bytes())
    };
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run(args),
        Command::List { suite } => list(&suite),
        Command::Check { paths } => check(&paths),
        Command::Fixtures {
            command: FixturesCommand::Export { dir, suite },
        } => export(&dir, &suite),
    };
    std::process::exit(code);
}

/// Loads a suite, or prints its problems and returns the exit code.
fn load(suite: &str) -> Result<scenario::Suite, i32> {
    let dir = resolve_suite(suite);
    scenario::load_suite(&dir).map_err(|e| {
        eprintln!("{:?}", miette::Report::new(e));
        exit::INVALID
    })
}

fn list(suite: &str) -> i32 {
    let suite = match load(suite) {
        Ok(s) => s,
        Err(code) => return code,
    };
    println!("suite `{}`: {}", suite.name, suite.title);
    for s in &suite.scenarios {
        println!(
            "  {:<34} {:>2} pts  {:<24} [{}]  {}",
            s.id,
            s.points,
            s.requirements.join(" "),
            s.tags.join(","),
            s.title
        );
    }
    let total: u32 = suite.scenarios.iter().map(|s| s.points).sum();
    println!("{} scenarios, {total} points", suite.scenarios.len());
    exit::PASSED
}

fn check(paths: &[PathBuf]) -> i32 {
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
            println!("{n} file(s) checked: no problems");
            exit::PASSED
        }
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            exit::INVALID
        }
    }
}

fn export(dir: &std::path::Path, suite: &str) -> i32 {
    let suite = match load(suite) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match files::export(&suite, dir) {
        Ok(n) => {
            println!(
                "wrote {n} file(s) of suite `{}` to {}",
                suite.name,
                dir.display()
            );
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

/// Resolves HOST:PORT, preferring an address that accepts a connection: `localhost` often
/// resolves to ::1 first while a student's server listens on IPv4 only.
async fn resolve_target(target: &str, scale: f64) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(target)
        .await
        .map_err(|e| {
            format!("cannot resolve `{target}`: {e} (expected HOST:PORT, e.g. 127.0.0.1:1234)")
        })?
        .collect();
    for addr in &addrs {
        if conformance::engine::probe(*addr, scale).await.is_ok() {
            return Ok(*addr);
        }
    }
    // None answers: grade the first, so the report says why it is unreachable.
    addrs
        .first()
        .copied()
        .ok_or_else(|| format!("`{target}` resolves to no address"))
}

fn run(args: RunArgs) -> i32 {
    let suite = match load(&args.suite) {
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
    runtime.block_on(async move {
        // A short seed is easy to type back in with --seed; RandomState is seeded by the OS.
        let seed = args.seed.unwrap_or_else(|| {
            use std::hash::BuildHasher;
            u64::from(std::hash::RandomState::new().hash_one(std::time::SystemTime::now()) as u32)
        });
        let mut builtin = None;
        let (target, udp) = match &args.target {
            Some(t) => match resolve_target(t, args.timeout_scale.max(0.01)).await {
                Ok(addr) => (
                    Target {
                        addr,
                        description: addr.to_string(),
                    },
                    args.udp,
                ),
                Err(why) => {
                    eprintln!("conformance: {why}");
                    return exit::UNREACHABLE;
                }
            },
            None => match conformance::target::BuiltIn::start(&suite).await {
                Ok(server) => {
                    let t = Target {
                        addr: server.addr(),
                        description: format!("{} (built-in reference server)", server.addr()),
                    };
                    builtin = Some(server);
                    (t, true)
                }
                Err(e) => {
                    eprintln!("conformance: cannot start the built-in server: {e}");
                    return exit::INVALID;
                }
            },
        };
        let opts = RunOptions {
            timeout_scale: args.timeout_scale.max(0.01),
            seed,
            jobs: args.jobs,
            udp,
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
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none()
            && human_on_stdout;
        let style = human::Style { color };
        // Progress goes to the terminal: stdout for the human report, else stderr.
        let progress_to_stdout = human_on_stdout;
        let header = human::header(&suite.name, count, &target.description, seed);
        if progress_to_stdout {
            show(true, &format!("{header}\n"))
        } else {
            show(false, &header)
        }
        let report = run_suite(suite.clone(), &target, &opts, move |r| {
            let line = human::line(r, style);
            if progress_to_stdout {
                show(true, &line);
            } else {
                show(false, &line);
            }
        })
        .await;
        if let Some(server) = builtin {
            server.stop().await;
        }
        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => match std::fs::File::create(path) {
                Ok(f) => Box::new(std::io::BufWriter::new(f)),
                Err(e) => {
                    eprintln!("conformance: cannot write {}: {e}", path.display());
                    return exit::INVALID;
                }
            },
            None => Box::new(std::io::stdout().lock()),
        };
        let written = match args.format {
            Format::Human if human_on_stdout => {
                out.write_all(human::footer(&report, style).as_bytes())
            }
            Format::Human => human::write(&report, &mut out, human::Style { color: false }),
            Format::Json => report::json::write(&report, &mut out),
            Format::Junit => report::junit::write(&report, &mut out),
            Format::Tap => report::tap::write(&report, &mut out),
            Format::Gradescope => report::gradescope::write(&report, &mut out),
        };
        if let Err(e) = written.and_then(|()| out.flush()) {
            eprintln!("conformance: cannot write the report: {e}");
            return exit::INVALID;
        }
        if !human_on_stdout {
            show(false, &human::summary(&report));
        }
        if report.unreachable.is_some() {
            exit::UNREACHABLE
        } else if report.summary.all_passed() {
            exit::PASSED
        } else {
            exit::FAILED
        }
    })
}
