//! The load tool's tables, printed on standard output.

use crate::chat::ChatResult;
use crate::held::Held;
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
    /// The server's CPU time per GiB sent, over every `GET`, in milliseconds.
    pub get_cpu_ms_per_gib: f64,
    /// One `PUT` of the same file.
    pub put_mb_per_s: f64,
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
        "  {:<28} {:>14} {:>10} {:>10} {:>9} {:>13} {:>13}",
        "", "lines/s", "p50", "p99", "lost", "CPU/line", "load CPU/line"
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
        "  {:<28} {:>14.0} {:>10} {:>10} {:>9} {:>10.3} µs {:>10.3} µs",
        label,
        r.per_sec,
        format_us(r.p50_us),
        format_us(r.p99_us),
        r.expected - r.delivered,
        r.cpu_us_per_line(),
        r.load_us_per_line(),
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
    println!(
        "  server CPU per GiB sent    {:>10.0} ms",
        f.get_cpu_ms_per_gib
    );
    println!("  reference PUT (to OK)      {:>10.0} MB/s", f.put_mb_per_s);
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

pub fn held(h: &Held) {
    println!();
    println!(
        "connections held: {} of {} idle introduced connections in {:.1} s",
        h.held, h.asked, h.secs
    );
    println!(
        "  server RSS {} -> {}: {:.0} bytes ({:.2} KiB) per connection",
        format_kib(h.rss_before_kib),
        format_kib(h.rss_after_kib),
        h.per_connection(),
        h.per_connection() / 1024.0
    );
}

/// Every measure of issue 13 on one line: now, the baseline of this run, the ratio, the target.
pub fn summary(c: &ChatFigures, d: &DownloadFigures, h: Option<&Held>) {
    println!();
    println!("summary (target: issue 13):");
    println!(
        "  | {:<30} | {:>22} | {:>22} | {:>7} | {:<14} |",
        "measure", "now", "baseline", "ratio", "target"
    );
    let ratio =
        |a: f64, b: Option<f64>| b.map_or("-".into(), |b| format!("{:.2}x", a / b.max(1e-9)));
    let ncat = c.ncat.as_ref();
    let (rp, rb) = (&c.reference_paced, &c.reference_burst);
    let lines = |r: &ChatResult| format!("{:.2} M lines/s", r.per_sec / 1e6);
    let base = |f: &dyn Fn(&ChatResult) -> String, r: Option<&ChatResult>| {
        r.map_or("ncat missing".into(), |r| format!("ncat {}", f(r)))
    };
    let burst = ncat.map(|n| &n.1);
    let paced = ncat.map(|n| &n.0);
    let line = |m: &str, now: String, b: String, r: String, t: &str| {
        println!("  | {m:<30} | {now:>22} | {b:>22} | {r:>7} | {t:<14} |");
    };
    line(
        "relay burst, lines/s",
        lines(rb),
        base(&lines, burst),
        ratio(rb.per_sec, burst.map(|b| b.per_sec)),
        ">= 2x ncat",
    );
    let p99 = |r: &ChatResult| format!("p99 {}", format_us(r.p99_us));
    let p50 = |r: &ChatResult| format!("p50 {}", format_us(r.p50_us));
    line(
        "relay paced, p50",
        p50(rp),
        base(&p50, paced),
        ratio(rp.p50_us as f64, paced.map(|p| p.p50_us as f64)),
        "-",
    );
    line(
        "relay paced, p99",
        p99(rp),
        base(&p99, paced),
        ratio(rp.p99_us as f64, paced.map(|p| p.p99_us as f64)),
        "<= 2 ms",
    );
    let cpu = |r: &ChatResult| format!("{:.3} µs/line", r.cpu_us_per_line());
    line(
        "relay burst, server CPU/line",
        cpu(rb),
        base(&cpu, burst),
        ratio(rb.cpu_us_per_line(), burst.map(ChatResult::cpu_us_per_line)),
        "-",
    );
    let ceiling = d
        .iperf_default
        .into_iter()
        .chain(d.iperf_256k)
        .reduce(f64::max);
    let mb = |v: f64| format!("{v:.0} MB/s");
    line(
        "GET 1 GiB",
        mb(d.best_mb_per_s),
        ceiling.map_or("iperf3 missing".into(), |c| format!("iperf3 {}", mb(c))),
        ratio(d.best_mb_per_s, ceiling),
        ">= 1.0x",
    );
    line(
        "PUT 1 GiB (to OK, synced)",
        mb(d.put_mb_per_s),
        ceiling.map_or("iperf3 missing".into(), |c| format!("iperf3 {}", mb(c))),
        ratio(d.put_mb_per_s, ceiling),
        "disk speed",
    );
    if let Some(h) = h {
        line(
            &format!("RSS per idle connection ({})", h.held),
            format!("{:.2} KiB", h.per_connection() / 1024.0),
            "-".into(),
            "-".into(),
            "<= 10 KiB",
        );
    }
}
