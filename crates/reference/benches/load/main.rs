//! Load tool for the reference server: chat relay and download throughput, each beside a
//! baseline measured in the same run on the same machine.
//!
//! ```text
//! cargo bench -p reference --bench load                 # defaults: a few seconds per phase
//! cargo bench -p reference --bench load -- --clients 100 --rate 20 --secs 3 --file-mib 1024
//! ```
//!
//! - chat relay: `--clients` connections; each sends `--rate` chat lines a second for `--secs`
//!   (paced), then the same number of lines back to back (burst). Reported: delivered `FROM`
//!   lines a second and p50/p99 latency (send to receipt), against `reference serve` and
//!   against `ncat --broker` (which relays every line to every other client, the same fan-out
//!   without a protocol), and the ratio;
//! - download: `GET` of a `--file-mib` file (best of `--runs`) in MB/s (10^6 bytes), against
//!   loopback's ceiling measured by `iperf3` (one TCP stream), and the ratio;
//! - upload: `PUT` of the same file, in MB/s, up to the `OK` (the file synced and renamed);
//! - peak server memory (VmHWM of the `reference serve` process) during each;
//! - connections held: resident memory gained per idle connection over `--held` connections;
//! - a summary: every measure with its baseline from this run, the ratio, and the target of
//!   issue 13.
//!
//! The server's CPU time per delivered chat line is read from `/proc/PID/stat` for both
//! servers.
//!
//! Modules: `options` (the arguments), `processes` (the children under test), `chat`,
//! `download` and `held` (the loads), `report` (the tables).
//!
//! `ncat` and `iperf3` are optional: when missing, their figures are skipped with a note on
//! how to install them (`apt-get install ncat iperf3`).

mod chat;
mod download;
mod held;
mod options;
mod processes;
mod report;

use std::path::Path;

use clap::Parser;

use chat::{ChatResult, Pace, Target, chat};
use options::Options;
use processes::{Broker, Running, Server, cpu_model, has_tool};
use report::{ChatFigures, DownloadFigures, Memory};

fn main() {
    let options = Options::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(options));
}

async fn run(o: Options) {
    let root = tempfile::tempdir().expect("temporary folder");
    println!(
        "socket-lab load: {} clients, {} lines/s each for {} s, then a burst; GET of {} MiB",
        o.clients, o.rate, o.secs, o.file_mib
    );
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    let (chat_figures, chat_memory) = chat_phases(&o, root.path()).await;
    report::chat(&o, &chat_figures);
    let (download_figures, during_get) = download_phase(&o, root.path()).await;
    report::download(&o, &download_figures);
    report::memory(&Memory {
        during_get,
        ..chat_memory
    });
    let held = if o.held > 0 {
        let held = held::held(root.path(), o.held).await;
        report::held(&held);
        Some(held)
    } else {
        None
    };
    report::summary(&chat_figures, &download_figures, held.as_ref());
}

/// One chat phase, with the CPU time `process` used meanwhile.
async fn chat_timed(
    o: &Options,
    addr: std::net::SocketAddr,
    process: &Running,
    target: Target,
    pace: Pace,
) -> ChatResult {
    let (before, load_before) = (process.cpu(), processes::cpu_of("self"));
    let mut result = chat(o, addr, target, pace).await;
    result.server_cpu = process.cpu().saturating_sub(before);
    result.load_cpu = processes::cpu_of("self").saturating_sub(load_before);
    result
}

/// The paced and burst phases against the reference, then against `ncat --broker`.
async fn chat_phases(o: &Options, root: &Path) -> (ChatFigures, Memory) {
    let server = Server::start(root);
    let idle = server.process.peak_kib();
    let (addr, process) = (server.addr, &server.process);
    let reference_paced = chat_timed(o, addr, process, Target::Reference, Pace::Paced).await;
    let reference_burst = chat_timed(o, addr, process, Target::Reference, Pace::Burst).await;
    let after_chat = server.process.peak_kib();
    let cut = server.cut_clients();
    drop(server);
    let (ncat, ncat_memory) = if has_tool("ncat") {
        let broker = Broker::start();
        let (addr, process) = (broker.addr, &broker.process);
        let paced = chat_timed(o, addr, process, Target::Broker, Pace::Paced).await;
        let burst = chat_timed(o, addr, process, Target::Broker, Pace::Burst).await;
        (Some((paced, burst)), Some(broker.process.peak_kib()))
    } else {
        (None, None)
    };
    let figures = ChatFigures {
        reference_paced,
        reference_burst,
        ncat,
        cut,
    };
    let memory = Memory {
        idle,
        after_chat,
        during_get: 0,
        ncat: ncat_memory,
    };
    (figures, memory)
}

/// The best of the downloads from a fresh server, then the loopback ceiling; and the server's
/// peak memory meanwhile.
async fn download_phase(o: &Options, root: &Path) -> (DownloadFigures, u64) {
    let size = o.file_mib * 1024 * 1024;
    download::make_file(&root.join(download::FILE), size);
    let server = Server::start(root);
    let mut best_mb_per_s = 0f64;
    let cpu_before = server.process.cpu();
    for _ in 0..o.downloads() {
        best_mb_per_s = best_mb_per_s.max(download::get_mb_per_s(server.addr, size).await);
    }
    let gib = (size * u64::from(o.downloads())) as f64 / f64::from(1u32 << 30);
    let get_cpu_ms_per_gib = server
        .process
        .cpu()
        .saturating_sub(cpu_before)
        .as_secs_f64()
        * 1e3
        / gib.max(1e-9);
    let during_get = server.process.peak_kib();
    let put_mb_per_s = download::put_mb_per_s(server.addr, &root.join(download::FILE), size).await;
    drop(server);
    let have_iperf = has_tool("iperf3");
    let measure = |length| {
        have_iperf
            .then(|| download::iperf3(o.iperf_secs, length))
            .flatten()
    };
    let figures = DownloadFigures {
        best_mb_per_s,
        get_cpu_ms_per_gib,
        put_mb_per_s,
        iperf_default: measure(None),
        iperf_256k: measure(Some("256K")),
        have_iperf,
    };
    (figures, during_get)
}
