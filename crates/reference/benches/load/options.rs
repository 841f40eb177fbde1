//! The load tool's arguments.

use clap::Parser;

/// Load tool for the reference server: chat relay and download throughput, each beside a
/// baseline measured in the same run.
#[derive(Debug, Clone, Parser)]
#[command(name = "load", bin_name = "cargo bench -p reference --bench load --")]
pub struct Options {
    /// Chat clients connected at once
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub clients: u64,
    /// Chat lines each client sends a second, paced
    #[arg(long, value_name = "PER_SEC", default_value_t = 20)]
    pub rate: u32,
    /// Seconds of paced chat (the burst sends as many lines)
    #[arg(long, value_name = "S", default_value_t = 3.0)]
    pub secs: f64,
    /// Size of the downloaded file, in MiB
    #[arg(long, value_name = "M", default_value_t = 1024)]
    pub file_mib: u64,
    /// Downloads; the best counts
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
    /// Idle connections held at once for the memory measure (0: skip it)
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub held: usize,
    /// Seconds of each iperf3 measurement
    #[arg(long, value_name = "S", default_value_t = 2)]
    pub iperf_secs: u32,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
    /// Benchmark name filters passed by `cargo bench`; ignored.
    #[arg(hide = true)]
    filters: Vec<String>,
}

impl Options {
    /// Chat lines each client sends in each phase.
    pub fn lines_each(&self) -> u64 {
        ((f64::from(self.rate) * self.secs).round() as u64).max(1)
    }

    /// Downloads to make, at least one.
    pub fn downloads(&self) -> u32 {
        self.runs.max(1)
    }
}
