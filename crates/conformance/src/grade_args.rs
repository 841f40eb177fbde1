//! The arguments of `conformance grade` and `conformance grade merge`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};

use crate::{JunitFamily, parse_scale, parse_var};

pub const GRADE_EXAMPLES: &str = "Examples:
  conformance grade roster.csv --suite labs/greeter --out grades
  conformance grade roster.csv --suite core --udp --rubric rubric.yaml --rerun-failed 1 --out grades
  conformance grade roster.csv --suite core --partition 2/4 --seed 1234 --out slice-2
  conformance grade merge slice-1 slice-2 slice-3 slice-4 --out grades

The roster is CSV with the header `student,folder,command,port` (optional columns: `target`,
`addresses`), or the same rows as YAML. See docs/grading.md.";

/// `conformance grade`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct GradeArgs {
    #[command(subcommand)]
    pub action: Option<GradeCommand>,
    /// The roster: CSV (`student,folder,command,port`) or YAML.
    #[arg(required = true)]
    pub roster: Option<PathBuf>,
    /// Where the reports go: DIR/<student>/, DIR/gradebook.csv, DIR/index.html.
    #[arg(long, required = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Suite name (in ./conformance/ or shipped) or folder.
    #[arg(long, default_value = "core")]
    pub suite: String,
    /// The command of rows that give none (`python3 server.py {port}`).
    #[arg(long = "command", value_name = "CMD")]
    pub default_command: Option<String>,
    /// Submissions graded at once (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Grade only slice K of N of the roster (count-based: student i is in slice i % N + 1).
    #[arg(long, value_name = "K/N")]
    pub partition: Option<conformance::grade::Partition>,
    /// How submissions are kept apart: `auto` (a network namespace each, when the machine
    /// allows), `namespace` (or fail), `none`.
    #[arg(long, value_enum, default_value_t = IsolationChoice::Auto)]
    pub isolation: IsolationChoice,
    /// An address every program may bind (as the lab text says), made local in its namespace.
    #[arg(long = "address", value_name = "IP")]
    pub addresses: Vec<std::net::IpAddr>,
    /// How verdicts become points (see `run --rubric`).
    #[arg(long, value_name = "FILE")]
    pub rubric: Option<PathBuf>,
    /// Run failed scenarios again up to N more times; flaky ones are reported apart.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=5))]
    pub rerun_failed: u32,
    /// The seed every submission is graded with (default: a fresh one, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The programs also serve UDP on their port.
    #[arg(long)]
    pub udp: bool,
    /// Also run scenarios tagged `slow`.
    #[arg(long)]
    pub slow: bool,
    /// A value for one of the suite's variables (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Multiply every deadline by X (0.1 to 100).
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    pub timeout_scale: f64,
    /// How long one submission may take to grade (reruns included).
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    pub time_limit: Duration,
    /// The JUnit dialect of each student's junit.xml.
    #[arg(long, value_enum, default_value_t = JunitFamily::Xunit2)]
    pub junit_family: JunitFamily,
    #[command(flatten)]
    pub limits: GradeLimits,
}

/// `conformance grade merge`.
#[derive(Debug, Subcommand)]
pub enum GradeCommand {
    /// Combine the report folders of `grade --partition` slices into one gradebook.
    #[command(after_help = "Examples:\n  conformance grade merge slice-1 slice-2 --out grades")]
    Merge {
        /// The slices' --out folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where the merged gradebook goes (student folders are copied there).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// `--isolation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IsolationChoice {
    /// A network namespace per submission when the machine allows it, else none (said).
    Auto,
    /// A network namespace per submission, or stop.
    Namespace,
    /// None: fixed ports are graded one at a time.
    None,
}

/// The limits of each submission's program, passed to its `run` (see `run --help`).
#[derive(Debug, Clone, clap::Args)]
pub struct GradeLimits {
    /// CPU seconds per process of the program.
    #[arg(long, value_name = "SECONDS")]
    pub cpu_limit: Option<u64>,
    /// Memory per process of the program, in MiB.
    #[arg(long, value_name = "MIB")]
    pub memory_limit: Option<u64>,
    /// The largest file the program may write, in MiB.
    #[arg(long, value_name = "MIB")]
    pub file_size_limit: Option<u64>,
    /// Processes of the program alive at once.
    #[arg(long, value_name = "N")]
    pub process_limit: Option<u32>,
    /// Open files per process of the program.
    #[arg(long, value_name = "N")]
    pub open_files_limit: Option<u64>,
    /// How long the program may run.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub wall_clock_limit: Option<Duration>,
}
