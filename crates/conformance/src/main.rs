//! `conformance`: grade a socket-lab/1 server. This file is the command line; each command's
//! work is in `commands/`.

mod commands;
mod grade_args;

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use conformance::scenario::ProbeKind;
use grade_args::GRADE_EXAMPLES;
pub use grade_args::{GradeArgs, GradeCommand, IsolationChoice};

/// Grade any socket-lab/1 server by its address, scenario by scenario.
#[derive(Debug, Parser)]
#[command(version, after_help = conformance::exit::help())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const RUN_EXAMPLES: &str = "Examples:
  conformance run                                     grade the built-in reference server
  conformance run --target 127.0.0.1:4000 --udp       grade your server, TCP and UDP
  conformance run --target localhost:4000 --filter hello ping --seed 1234
  conformance run --target 127.0.0.1:4000 --format junit --output report.xml
  conformance run --target 127.0.0.1:4000 --format gradescope \\
      --output /autograder/results/results.json --time-limit 8m";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a suite against a server (with no --target: against the built-in reference server).
    #[command(after_help = RUN_EXAMPLES)]
    Run(Box<RunArgs>),
    /// Grade a whole class from a roster: each submission in parallel and isolated, a report
    /// folder per student, a gradebook and a class summary.
    #[command(after_help = GRADE_EXAMPLES)]
    Grade(Box<GradeArgs>),
    /// List a suite's scenarios with their requirement IDs and points.
    #[command(after_help = "Examples:\n  conformance list\n  conformance list --suite ./my-suite")]
    List {
        /// Suite name (in ./conformance/ or shipped) or folder.
        #[arg(long, default_value = "core")]
        suite: String,
    },
    /// Validate scenario files; report every problem with file:line:col and a snippet.
    #[command(
        after_help = "Examples:\n  conformance check conformance/core\n  conformance check my-suite/045-get-twice.yaml"
    )]
    Check {
        /// Scenario files or suite folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the suites built into this binary: name, number of scenarios, title.
    #[command(
        after_help = "Examples:\n  conformance suites\n  conformance list --suite labs/greeter"
    )]
    Suites,
    /// Work with the files a graded server must hold.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
    /// Run the reference implementation of a lab (what a lab suite grades with no program).
    #[cfg(feature = "builtin")]
    #[command(hide = true)]
    ReferenceLab {
        /// The lab half: `greeter`, `greeter-client`, ...
        name: String,
        /// The port it listens on or connects to.
        port: u16,
    },
    /// Print a shell completion script: `conformance completions bash > /etc/bash_completion.d/conformance`.
    #[command(
        after_help = "Examples:\n  conformance completions bash > ~/.local/share/bash-completion/completions/conformance\n  conformance completions zsh > ~/.zfunc/_conformance"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum FixturesCommand {
    /// Write the suite's files into DIR: serve DIR as your server's root before a run.
    #[command(after_help = "Examples:\n  conformance fixtures export /tmp/lab-root")]
    Export {
        /// Where to write them.
        dir: PathBuf,
        /// Suite name (in ./conformance/ or shipped) or folder.
        #[arg(long, default_value = "core")]
        suite: String,
    },
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Progress lines, each failure in full, the score.
    Human,
    /// The whole run as one JSON document.
    Json,
    /// JUnit XML, for CI.
    Junit,
    /// TAP, for TAP consumers.
    Tap,
    /// Gradescope's results.json.
    Gradescope,
    /// GitHub Classroom's autograding result (the JSON its reporter reads).
    Classroom,
    /// One self-contained HTML page.
    Html,
}

/// Who a report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Audience {
    /// Everything, hidden scenarios included.
    Instructor,
    /// Hidden scenarios as their title, result and hint only.
    Student,
}

/// When to colour the human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When stdout is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `conformance run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The server to grade, HOST:PORT. Without it (and without --spawn), the built-in
    /// reference server is started.
    #[arg(long)]
    pub target: Option<String>,
    /// Start the program to grade: a shell command, run in a copy of --cwd; `{port}` in it
    /// becomes its port (and $PORT is set).
    #[arg(long, conflicts_with = "target", value_name = "CMD")]
    pub spawn: Option<String>,
    /// The port a program that hard-codes it uses, instead of a free one given as `{port}`.
    #[arg(long, requires = "spawn", value_name = "P")]
    pub port: Option<u16>,
    /// The student's folder, copied for the program (never written).
    #[arg(long, requires = "spawn", default_value = ".", value_name = "DIR")]
    pub cwd: PathBuf,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// The target also serves UDP on the same port (UDP scenarios are skipped otherwise).
    #[arg(long)]
    pub udp: bool,
    /// Suite name (in ./conformance/ or shipped) or folder.
    #[arg(long, default_value = "core")]
    pub suite: String,
    /// Only scenarios whose id contains one of these.
    #[arg(long, num_args = 1..)]
    pub filter: Vec<String>,
    /// Only scenarios with one of these tags.
    #[arg(long, num_args = 1..)]
    pub tag: Vec<String>,
    /// Scenarios run at once (1 to 64).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE, kept up to date as scenarios finish (progress still goes to
    /// the terminal).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Also write every format into DIR: report.html and student.html, report.json,
    /// junit.xml, report.tap, results.json (Gradescope), classroom.json, report.txt,
    /// student.txt and grade.json.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Who the report on stdout (or --output) is for: `student` shows a hidden scenario's
    /// title, result and hint only.
    #[arg(long, value_enum, default_value_t = Audience::Instructor)]
    pub audience: Audience,
    /// How verdicts become points: a YAML rubric (points per scenario, bonus scenarios,
    /// partial credit, visibility).
    #[arg(long, value_name = "FILE")]
    pub rubric: Option<PathBuf>,
    /// Run the scenarios that did not pass again, up to N more times; one that passes later
    /// is reported as flaky.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=5))]
    pub rerun_failed: u32,
    /// The student graded, named in the reports of --report-dir.
    #[arg(long, value_name = "NAME")]
    pub student: Option<String>,
    /// The command the reports of --report-dir give to run this again (set by `grade`).
    #[arg(long, value_name = "CMD", hide = true)]
    pub rerun_command: Option<String>,
    /// Multiply every deadline by X (0.1 to 100), for slow grading machines.
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    pub timeout_scale: f64,
    /// Stop the run after this long (e.g. `90s`, `8m`) and report what finished; the rest is
    /// `not run`.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub time_limit: Option<Duration>,
    /// Also run scenarios tagged `slow`, which wait out the spec's minimum timeouts.
    #[arg(long)]
    pub slow: bool,
    /// Seed for the per-run random names and payloads (printed; pass it to replay a run).
    #[arg(long)]
    pub seed: Option<u64>,
    /// A value for one of the suite's variables (its wording: a greeting, an acknowledgement),
    /// instead of its default; repeat for several. `conformance list` shows them.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// An environment variable for the spawned program, on top of the suite's (`program:
    /// env:`), e.g. `--env PYTHONUNBUFFERED=1`; repeat for several.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env, requires = "spawn")]
    pub env: Vec<(String, String)>,
    /// The liveness probe between scenarios, instead of the suite's.
    #[arg(long, value_parser = parse_probe)]
    pub probe: Option<ProbeKind>,
    /// Colour the human report.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// The JUnit dialect: `xunit2` is valid against junit-10.xsd (Jenkins, pytest); `xunit1`
    /// adds `file` and `line` attributes for tools that annotate sources.
    #[arg(long, value_enum, default_value_t = JunitFamily::Xunit2)]
    pub junit_family: JunitFamily,
}

/// pytest's `junit_family`, for `--format junit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JunitFamily {
    /// Strictly valid against junit-10.xsd.
    Xunit2,
    /// With `file` and `line` on each test case.
    Xunit1,
}

/// What a spawned program may use.
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// CPU seconds per process of the program.
    #[arg(long, value_name = "SECONDS", requires = "spawn")]
    pub cpu_limit: Option<u64>,
    /// Memory per process of the program, in MiB (heap and thread stacks).
    #[arg(long, value_name = "MIB", requires = "spawn")]
    pub memory_limit: Option<u64>,
    /// The largest file the program may write, in MiB.
    #[arg(long, value_name = "MIB", requires = "spawn")]
    pub file_size_limit: Option<u64>,
    /// Processes of the program alive at once.
    #[arg(long, value_name = "N", requires = "spawn")]
    pub process_limit: Option<u32>,
    /// Open files per process of the program, sockets included.
    #[arg(long, value_name = "N", requires = "spawn")]
    pub open_files_limit: Option<u64>,
    /// How long the program may run (e.g. `10m`).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, requires = "spawn")]
    pub wall_clock_limit: Option<Duration>,
}

fn parse_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.1..=100.0).contains(&x) => Ok(x),
        Ok(_) => Err("a multiplier from 0.1 to 100".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err("expected NAME=VALUE, e.g. greeting='Hello World!'".to_owned()),
    }
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    let Some((name, value)) = s.split_once('=') else {
        return Err("expected NAME=VALUE, e.g. PYTHONUNBUFFERED=1".to_owned());
    };
    conformance::program::check_env_name(name)?;
    conformance::program::check_env_value(value)?;
    Ok((name.to_owned(), value.to_owned()))
}

fn parse_probe(s: &str) -> Result<ProbeKind, String> {
    match s {
        "ping" => Ok(ProbeKind::Ping),
        "connect" => Ok(ProbeKind::Connect),
        "none" => Ok(ProbeKind::None),
        _ => Err("expected ping, connect or none".to_owned()),
    }
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => commands::run::run(*args),
        Command::Grade(args) => commands::grade::grade(*args),
        Command::List { suite } => commands::list(&suite),
        Command::Check { paths } => commands::check(&paths),
        Command::Suites => commands::suites(),
        Command::Fixtures {
            command: FixturesCommand::Export { dir, suite },
        } => commands::export(&dir, &suite),
        #[cfg(feature = "builtin")]
        Command::ReferenceLab { name, port } => match reference::labs::run(&name, port) {
            Ok(()) => conformance::exit::PASSED,
            Err(e) => {
                eprintln!("reference lab {name}: {e}");
                conformance::exit::FAILED
            }
        },
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "conformance", &mut std::io::stdout());
            conformance::exit::PASSED
        }
    };
    std::process::exit(code);
}
