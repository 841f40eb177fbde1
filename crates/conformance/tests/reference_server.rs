//! The core suite against the built-in reference server: every scenario passes, whatever the
//! number of jobs.

mod common;

use common::{core_suite, one_at_a_time};
use conformance::engine::{RunOptions, Target, run_suite};
use conformance::outcome::Status;
use conformance::report::words;
use conformance::target::BuiltIn;

fn run(jobs: usize) -> conformance::outcome::RunReport {
    let _serial = one_at_a_time();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let server = BuiltIn::start(&core_suite())
            .await
            .expect("built-in server starts");
        let target = Target {
            addr: server.addr(),
            description: "built-in".into(),
        };
        let opts = RunOptions {
            seed: 9,
            jobs,
            udp: true,
            ..RunOptions::default()
        };
        let report = run_suite(core_suite(), &target, &opts, |_| {}).await;
        server.stop().await;
        report
    })
}

fn assert_all_pass(report: &conformance::outcome::RunReport) {
    let bad: Vec<String> = report
        .scenarios
        .iter()
        .filter(|r| !matches!(r.status, Status::Passed | Status::Skipped))
        .map(|r| {
            format!(
                "{} {:?}: {:?}",
                r.id,
                r.status,
                r.failure
                    .as_ref()
                    .map(|f| (words::expected(&f.expected), words::got(f)))
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "scenarios that did not pass against the reference server:\n{}",
        bad.join("\n")
    );
    let skipped: Vec<&str> = report
        .scenarios
        .iter()
        .filter(|r| r.status == Status::Skipped)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "idle-thirty-seconds",
            "idle-counts-octets",
            "udp-no-early-expiry",
            "udp-refresh"
        ],
        "only the slow scenarios are skipped"
    );
    assert!(report.summary.all_passed());
}

#[test]
fn every_scenario_passes_one_at_a_time() {
    assert_all_pass(&run(1));
}

#[test]
fn every_scenario_passes_four_at_a_time() {
    assert_all_pass(&run(4));
}
