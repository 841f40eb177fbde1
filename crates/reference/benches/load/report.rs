//! The load tool's tables, printed on standard output.

use crate::chat::ChatResult;
use crate::options::Options;

/// The chat phases against both targets.
#[derive(Debug)]
pub struct ChatFigures {
    pub reference_paced: ChatResult,
    pub reference_burst: ChatResult,
    /// `None` without ncat.
    pub ncat: Option<(ChatResult, ChatResult)>,
    /// Clients the reference cut because their queue overflowed.
    pub cut: usize,
}

/// The downloads and the loopback ceiling.
#[derive(Debug)]
pub struct DownloadFigures {
    pub best_mb_per_s: f64,
    /// iperf3 with its default writes, then with 256 KiB writes; `None` when not measured.
    pub iperf_default: Option<f64>,
    pub iperf_256k: Option<f64>,
    pub have_iperf: bool,
}

/// Peak memory of the processes, in KiB.
#[derive(Debug)]
pub struct Memory {
    pub idle: u64,
    pub after_chat: u64,
    pub during_get: u64,
    pub ncat: Option<u64>,
}

pub fn chat(o: &Options, f: &ChatFigures) {
    println!();
    println!(
        "chat relay, {} clients (FROM lines delivered, latency from send to receipt):",
        o.clients
    );
    println!(
        "  {:<28} {:>14} {:>10} {:>10} {:>9}",
        "", "lines/s", "p50", "p99", "lost"
    );
    let ncat = f.ncat.as_ref();
    row("reference, paced", &f.reference_paced);
    if let Some((paced, _)) = ncat {
        row("ncat --broker, paced", paced);
    }
    row("reference, burst", &f.reference_burst);
    if let Some((_, burst)) = ncat {
        row("ncat --broker, burst", burst);
    }
    if f.cut > 0 {
        println!(
            "  reference cut {} clients whose outgoing queue overflowed (lines lost)",
            f.cut
        );
    }
    match ncat {
        Some((paced, burst)) => println!(
            "  ratio reference/ncat: paced {:.2}x lines/s, p50 {:.2}x, p99 {:.2}x; burst {:.2}x lines/s",
            f.reference_paced.per_sec / paced.per_sec,
            f.reference_paced.p50_us as f64 / paced.p50_us.max(1) as f64,
            f.reference_paced.p99_us as f64 / paced.p99_us.max(1) as f64,
            f.reference_burst.per_sec / burst.per_sec,
        ),
        None => println!("  ncat not found: install it for the baseline (apt-get install ncat)"),
    }
}

fn row(label: &str, r: &ChatResult) {
    println!(
        "  {:<28} {:>14.0} {:>10} {:>10} {:>9}",
        label,
        r.per_sec,
        format_us(r.p50_us),
        format_us(r.p99_us),
        r.expected - r.delivered
    );
}

pub fn download(o: &Options, f: &DownloadFigures) {
    println!();
    println!(
        "download, GET of {} MiB (best of {}):",
        o.file_mib,
        o.downloads()
    );
    println!(
        "  reference GET              {:>10.0} MB/s",
        f.best_mb_per_s
    );
    let ceiling = f
        .iperf_default
        .into_iter()
        .chain(f.iperf_256k)
        .reduce(f64::max);
    match ceiling {
        Some(ceiling) => {
            for (label, figure) in [
                ("default writes", f.iperf_default),
                ("256 KiB writes", f.iperf_256k),
            ] {
                if let Some(mb) = figure {
                    println!("  iperf3, {label:<18} {mb:>10.0} MB/s");
                }
            }
            println!("  iperf3 loopback ceiling    {ceiling:>10.0} MB/s (the better of the two)");
            println!(
                "  ratio GET/iperf3           {:>10.2}x",
                f.best_mb_per_s / ceiling
            );
        }
        None if f.have_iperf => println!("  iperf3 failed: no ceiling measured"),
        None => println!("  iperf3 not found: install it for the ceiling (apt-get install iperf3)"),
    }
}

pub fn memory(m: &Memory) {
    println!();
    println!("peak server memory (VmHWM of `reference serve`):");
    println!("  after start                {:>10}", format_kib(m.idle));
    println!(
        "  after chat phases          {:>10}",
        format_kib(m.after_chat)
    );
    println!(
        "  during GET (fresh server)  {:>10}",
        format_kib(m.during_get)
    );
    if let Some(kib) = m.ncat {
        println!("  ncat --broker, chat        {:>10}", format_kib(kib));
    }
}

fn format_us(us: u64) -> String {
    if us >= 10_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} ms", us as f64 / 1000.0)
    }
}

fn format_kib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
