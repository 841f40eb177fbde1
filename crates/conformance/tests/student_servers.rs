//! Proof that the harness is right: the core suite against the student-style server of
//! `fixtures/servers/`, correct and with one planted defect at a time. Each defect must fail
//! exactly the scenarios it breaks, no more, no fewer; the rest must pass.

mod common;

use common::{StudentServer, core_suite, ids_with, one_at_a_time, run_core};
use conformance::outcome::Status;
use conformance::report::words;

/// Scenarios that run here: not `slow` (the self-test stays short).
fn runnable() -> Vec<String> {
    core_suite()
        .scenarios
        .iter()
        .filter(|s| !s.tags.iter().any(|t| t == "slow"))
        .map(|s| s.id.clone())
        .collect()
}

fn all_except(passing: &[&str]) -> Vec<String> {
    runnable()
        .into_iter()
        .filter(|id| !passing.contains(&id.as_str()))
        .collect()
}

fn list(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

/// Runs the suite against the server with `defect`; asserts which scenarios failed and which
/// were not run.
fn check(defect: Option<&str>, jobs: usize, scale: f64, failed: Vec<String>, not_run: Vec<String>) {
    let _serial = one_at_a_time();
    let server = StudentServer::start(defect, &[]);
    let report = run_core(server.addr, jobs, scale);
    let mut got_failed = ids_with(&report, Status::Failed);
    got_failed.extend(ids_with(&report, Status::Error));
    let details = || {
        report
            .scenarios
            .iter()
            .filter_map(|r| {
                r.failure.as_ref().map(|f| {
                    format!(
                        "{}: expected {} / got {}",
                        r.id,
                        words::expected(&f.expected),
                        words::got(f)
                    )
                })
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        got_failed,
        failed,
        "defect {defect:?}: failed scenarios differ\n{}",
        details()
    );
    assert_eq!(
        ids_with(&report, Status::NotRun),
        not_run,
        "defect {defect:?}: not-run scenarios differ"
    );
}

#[test]
fn correct_student_server_passes_everything() {
    check(None, 4, 1.0, vec![], vec![]);
}

#[test]
fn no_welcome_fails_every_scenario_that_says_hello_over_tcp() {
    let passing = [
        "hello-required",
        "bye-before-hello",
        "silent-until-asked",
        "client-eof",
        "unknown-verb",
        "bad-bytes",
        "bad-fields",
        "ping",
        "line-too-long",
        "sixteen-connections",
        "error-precedence",
        "udp-relay",
        "udp-registration",
        "udp-errors",
        "udp-datagram-size",
    ];
    check(Some("no-welcome"), 4, 1.0, all_except(&passing), vec![]);
}

#[test]
fn relay_to_author_fails_where_an_author_waits_for_ok() {
    let failed = list(&[
        "chat-relay",
        "relay-not-to-author",
        "relay-not-to-strangers",
        "chat-unicode",
        "two-clients-at-once",
        "relay-in-order",
        "long-line-accepted",
        "vanish-mid-request",
        "slow-reader",
        "udp-separate-room",
    ]);
    check(Some("relay-to-author"), 4, 1.0, failed, vec![]);
}

#[test]
fn wrong_missing_code_fails_where_a_404_is_expected() {
    check(
        Some("wrong-missing-code"),
        4,
        1.0,
        list(&[
            "file-not-found",
            "upload-cut-short",
            "path-form",
            "pipelined",
        ]),
        vec![],
    );
}

#[test]
fn no_close_after_bye_fails_the_bye_scenarios() {
    check(
        Some("no-close-after-bye"),
        4,
        1.0,
        list(&["name-released", "bye", "bye-before-hello"]),
        vec![],
    );
}

#[test]
fn short_upload_fails_the_megabyte_round_trip() {
    check(
        Some("short-upload"),
        4,
        1.0,
        list(&["put-then-get"]),
        vec![],
    );
}

#[test]
fn serves_outside_root_fails_the_path_scenarios() {
    check(
        Some("serves-outside-root"),
        4,
        1.0,
        list(&["path-escapes", "path-form", "path-symlink"]),
        vec![],
    );
}

#[test]
fn pipelining_broken_fails_where_one_read_holds_more_or_less_than_a_line() {
    let failed = list(&[
        "client-eof",
        "relay-in-order",
        "pipelined-put-get",
        "bad-fields",
        "crlf",
        "pipelined",
        "split-bytes",
        "split-payload",
        "vanish-mid-request",
        "slow-reader",
    ]);
    check(Some("pipelining-broken"), 4, 1.0, failed, vec![]);
}

#[test]
fn greets_on_connect_fails_every_tcp_scenario() {
    check(
        Some("greets-on-connect"),
        4,
        1.0,
        all_except(&[
            "udp-relay",
            "udp-registration",
            "udp-errors",
            "udp-datagram-size",
        ]),
        vec![],
    );
}

#[test]
fn no_hello_check_fails_the_hello_first_scenarios() {
    check(
        Some("no-hello-check"),
        4,
        1.0,
        list(&["hello-required", "error-precedence"]),
        vec![],
    );
}

#[test]
fn lowercase_verbs_fails_the_unknown_verb_scenario() {
    check(
        Some("lowercase-verbs"),
        4,
        1.0,
        list(&["unknown-verb"]),
        vec![],
    );
}

#[test]
fn ping_no_token_fails_where_a_pong_token_is_checked() {
    let failed = list(&[
        "hello-required",
        "bad-fields",
        "crlf",
        "pipelined",
        "split-bytes",
        "ping",
    ]);
    check(Some("ping-no-token"), 4, 1.0, failed, vec![]);
}

#[test]
fn crlf_broken_fails_where_a_line_ends_in_cr_lf() {
    check(
        Some("crlf-broken"),
        4,
        1.0,
        list(&["crlf", "long-line-accepted"]),
        vec![],
    );
}

#[test]
fn dies_on_malformed_fails_the_syntax_scenarios() {
    check(
        Some("dies-on-malformed"),
        4,
        1.0,
        list(&["malformed-line", "unknown-verb", "bad-bytes", "bad-fields"]),
        vec![],
    );
}

#[test]
fn crash_on_disconnect_is_reported_as_down_not_as_a_wall_of_failures() {
    // One job: only the scenario that kills the server fails; the rest are "not run".
    let runnable = runnable();
    let at = runnable
        .iter()
        .position(|id| id == "upload-cut-short")
        .expect("scenario exists");
    check(
        Some("crash-on-disconnect"),
        1,
        1.0,
        list(&["upload-cut-short"]),
        runnable[at + 1..].to_vec(),
    );
}

#[test]
fn no_udp_relay_fails_the_udp_relay_scenario() {
    check(Some("no-udp-relay"), 4, 1.0, list(&["udp-relay"]), vec![]);
}

#[test]
fn floods_gets_a_verdict_wherever_a_reply_follows_hello() {
    let passing = [
        "hello-name-in-use",
        "hello-required",
        "bye-before-hello",
        "silent-until-asked",
        "client-eof",
        "unknown-verb",
        "bad-bytes",
        "bad-fields",
        "ping",
        "line-too-long",
        "sixteen-connections",
        "error-precedence",
        "udp-relay",
        "udp-registration",
        "udp-errors",
        "udp-datagram-size",
    ];
    check(Some("floods"), 4, 1.0, all_except(&passing), vec![]);
}

#[test]
fn hangs_fails_everything_within_the_deadlines() {
    // Every step waits out its deadline: a quarter of the defaults keeps this short.
    check(Some("hangs"), 8, 0.25, all_except(&["client-eof"]), vec![]);
}
