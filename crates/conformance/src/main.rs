//! `conformance`: grade a socket-lab/1 server. This file is the command line; each command's
//! work is in `commands/`.

mod commands;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Grade any socket-lab/1 server by its address, scenario by scenario.
#[derive(Debug, Parser)]
#[command(version, after_help = conformance::exit::help())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

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
    /// List the suites built into this binary: name, number of scenarios, title.
    Suites,
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
}

/// `conformance run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The server to grade, HOST:PORT. Without it, the built-in reference server is started.
    #[arg(long)]
    pub target: Option<String>,
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
    /// Scenarios run at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE (progress still goes to the terminal).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Multiply every deadline by X, for slow grading machines.
    #[arg(long, default_value_t = 1.0)]
    pub timeout_scale: f64,
    /// Also run scenarios tagged `slow`, which wait out the spec's minimum timeouts.
    #[arg(long)]
    pub slow: bool,
    /// Seed for the per-run random names and payloads (printed; pass it to replay a run).
    #[arg(long)]
    pub seed: Option<u64>,
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::List { suite } => commands::list(&suite),
        Command::Check { paths } => commands::check(&paths),
        Command::Suites => commands::suites(),
        Command::Fixtures {
            command: FixturesCommand::Export { dir, suite },
        } => commands::export(&dir, &suite),
    };
    std::process::exit(code);
}
