//! Proof that the harness is right: a mutation study. The student-style server of
//! `fixtures/servers/` is correct by default and plants one known defect with `--defect`. The
//! table below says, for each defect, which requirements of `spec/protocol.md` it breaks and
//! which scenarios of the core suite must fail against it. The tests assert that
//!
//! - (a) the correct server passes every scenario;
//! - (b) each defect fails exactly its scenarios, no more, no fewer (and the ones not run after
//!   a crash are listed too);
//! - (c) the first failing scenario of each defect, in suite order, names one of the
//!   requirements the defect breaks: the first thing a student reads is about their bug;
//! - (d) every requirement a server must meet (MUST, SHOULD) is broken by a defect that a
//!   scenario naming that requirement catches, or is listed in `NOT_PLANTED` with the reason.
//!
//! The mutation score is printed by `mutation_suite_catches_and_names_every_defect`:
//! `cargo test -p conformance --test student_servers -- --nocapture mutation`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use common::{StudentServer, core_suite, ids_with, one_at_a_time, repo, run_core, run_with};
use conformance::engine::RunOptions;
use conformance::outcome::{ScenarioReport, Status};
use conformance::report::words;

/// The scenarios a defect fails.
enum Fails {
    /// These, in any order.
    Only(&'static [&'static str]),
    /// Every fast scenario but these.
    AllBut(&'static [&'static str]),
}

use Fails::{AllBut, Only};

/// One planted defect and what the suite must make of it.
struct Mutant {
    /// `--defect` of the student server.
    defect: &'static str,
    /// Requirement IDs of the spec the defect breaks.
    breaks: &'static [&'static str],
    /// The scenarios that must fail.
    fails: Fails,
    /// Server options beyond the defaults (a limit at its minimum, to make the defect visible).
    args: &'static [&'static str],
    /// Scenarios at once.
    jobs: usize,
    /// `--timeout-scale`.
    scale: f64,
    /// The scenarios after this one are not run: the defect kills the server there.
    down_after: Option<&'static str>,
    /// Also run the `slow` scenarios (each against a server of its own, all at once): for the
    /// defects of timers that only they can see.
    slow: bool,
}

const fn m(defect: &'static str, breaks: &'static [&'static str], fails: Fails) -> Mutant {
    Mutant {
        defect,
        breaks,
        fails,
        args: &[],
        jobs: 4,
        scale: 1.0,
        down_after: None,
        slow: false,
    }
}

/// The mutation table. Each defect is described in `fixtures/servers/README.md` and marked in
/// `student_server.py` with `# DEFECT <name>:`.
#[rustfmt::skip]
static MUTANTS: &[Mutant] = &[
    // framing and grammar
    m("crlf-broken", &["FRAME-1"], Only(&["crlf", "long-line-accepted"])),
    m("crlf-replies", &["FRAME-4"], Only(&["crlf"])),
    m("pipelining-broken", &["FRAME-2", "FRAME-3", "ORDER-1", "CONN-4", "CONN-5", "SYNTAX-7"], Only(&[
        "client-eof", "relay-in-order", "pipelined-put-get", "put-path-refused", "bad-fields", "crlf",
        "pipelined", "split-bytes", "split-payload", "split-utf8", "vanish-mid-request", "slow-reader",
        "eof-after-requests"])),
    m("decodes-each-recv", &["FRAME-3", "SYNTAX-3"], Only(&["bad-bytes", "split-utf8"])),
    m("dies-on-malformed", &["SYNTAX-1", "STATE-3"], Only(&[
        "malformed-line", "unknown-verb", "bad-bytes", "bad-fields", "error-precedence"])),
    m("lowercase-verbs", &["SYNTAX-2"], Only(&["unknown-verb"])),
    m("utf8-unchecked", &["SYNTAX-3"], Only(&["bad-bytes"])),
    m("control-chars-allowed", &["SYNTAX-4"], Only(&["bad-bytes"])),
    m("loose-fields", &["SYNTAX-5"], Only(&["malformed-line"])),
    m("text-may-start-with-space", &["SYNTAX-5"], Only(&["malformed-line"])),
    m("msg-empty-text", &["SYNTAX-5"], Only(&["malformed-line"])),
    m("empty-token-as-absent", &["SYNTAX-5"], Only(&["malformed-line"])),
    m("name-not-anchored", &["SYNTAX-6"], Only(&["bad-fields", "error-precedence"])),
    m("size-int-parse", &["SYNTAX-6", "SYNTAX-7"], Only(&["bad-fields"])),
    m("skips-bad-put-payload", &["SYNTAX-7"], Only(&["bad-fields"])),
    // HELLO and MSG
    m("no-welcome", &["HELLO-1"], AllBut(&[
        "silent-until-asked", "ping", "hello-required", "bye-before-hello", "client-eof", "unknown-verb",
        "bad-bytes", "bad-fields", "line-too-long", "sixteen-connections", "udp-relay",
        "udp-registration", "udp-errors", "udp-datagram-size"])),
    m("duplicate-names", &["HELLO-2"], Only(&["hello-name-in-use"])),
    m("hello-renames", &["HELLO-3"], Only(&["hello-twice"])),
    m("welcome-punctuated", &["HELLO-4"], Only(&["welcome-names-client"])),
    m("relay-to-author", &["CHAT-2"], Only(&[
        "chat-relay", "relay-not-to-author", "relay-not-to-strangers", "chat-unicode",
        "two-clients-at-once", "relay-in-order", "split-utf8", "long-line-accepted",
        "vanish-mid-request", "slow-reader", "udp-separate-room"])),
    m("relay-per-listener", &["CHAT-1"], Only(&["chat-relay"])),
    m("relay-on-next-reply", &["CHAT-3"], Only(&[
        "chat-relay", "relay-not-to-author", "relay-not-to-strangers", "chat-unicode",
        "two-clients-at-once", "relay-in-order", "split-utf8", "long-line-accepted", "slow-reader"])),
    m("relay-to-everyone", &["CHAT-4"], Only(&["relay-not-to-strangers"])),
    m("text-stripped", &["CHAT-5"], Only(&["chat-unicode"])),
    m("from-lines-lifo", &["ORDER-4"], Only(&["relay-in-order"])),
    // GET and PUT
    m("wrong-missing-code", &["GET-2", "ERR-1"], Only(&[
        "file-not-found", "upload-cut-short", "path-form", "pipelined"])),
    m("missing-return", &["ORDER-1"], Only(&["file-not-found", "upload-cut-short", "path-form", "pipelined"])),
    m("get-error-closes", &["STATE-3"], Only(&["file-not-found", "upload-cut-short", "path-form", "pipelined"])),
    m("get-directory-500", &["GET-3"], Only(&["get-directory"])),
    m("get-one-read", &["GET-1"], Only(&["get-large-file", "put-then-get", "eof-after-requests"])),
    m("files-sent-last", &["ORDER-2"], Only(&["pipelined", "eof-after-requests"])),
    m("short-upload", &["PUT-1"], Only(&["put-then-get"])),
    m("put-in-place", &["PUT-3"], Only(&["upload-cut-short"])),
    m("put-removes-old-first", &["PUT-3"], Only(&["upload-cut-short"])),
    m("put-empty-touches", &["PUT-5"], Only(&["put-empty"])),
    m("zero-size-put-closes", &["PUT-6"], Only(&["put-empty"])),
    m("no-makedirs", &["PUT-7"], Only(&["put-subfolder"])),
    m("commit-when-idle", &["ORDER-3", "PUT-1"], Only(&["pipelined-put-get"])),
    m("refused-put-skips-a-line", &["PUT-4"], Only(&["put-path-refused"])),
    m("big-put-reads-payload", &["PUT-2"], Only(&["upload-too-large", "error-precedence"])),
    m("big-put-stays-open", &["ERR-3", "PUT-2"], Only(&["upload-too-large", "error-precedence"])),
    m("upload-limit-decimal", &["LIMIT-3"], Only(&["put-then-get"])),
    // paths
    m("serves-outside-root", &["PATH-1", "PATH-2", "PATH-3", "PATH-4", "PATH-5"], Only(&[
        "path-escapes", "path-form", "path-symlink"])),
    m("no-backslash-colon-check", &["PATH-1"], Only(&["path-escapes"])),
    m("no-dot-segment-check", &["PATH-2"], Only(&["path-form"])),
    m("no-length-check", &["PATH-3"], Only(&["path-form"])),
    m("symlink-escape", &["PATH-4"], Only(&["path-symlink"])),
    m("lookup-before-rules", &["PATH-5"], Only(&["path-escapes", "path-form"])),
    m("put-onto-dir", &["PATH-6"], Only(&["put-path-refused"])),
    m("put-replaces-link", &["PATH-7"], Only(&["path-symlink-inside"])),
    // state, PING, BYE, error precedence
    m("greets-on-connect", &["STATE-2"], AllBut(&[
        "udp-relay", "udp-registration", "udp-errors", "udp-datagram-size"])),
    m("no-hello-check", &["STATE-1"], Only(&["hello-required", "error-precedence"])),
    m("path-before-hello", &["ERR-4"], Only(&["error-precedence"])),
    m("put-size-after-hello", &["ERR-4", "PUT-2"], Only(&["error-precedence"])),
    m("hello-twice-before-syntax", &["ERR-4"], Only(&["error-precedence"])),
    m("ping-no-token", &["PING-1"], Only(&[
        "ping", "hello-required", "put-path-refused", "bad-fields", "crlf", "pipelined", "split-bytes",
        "eof-after-requests"])),
    m("pong-trailing-space", &["PING-1"], Only(&[
        "ping", "hello", "hello-twice", "welcome-names-client", "chat-relay", "relay-not-to-author",
        "relay-not-to-strangers", "relay-in-order", "get-file", "get-empty-file", "get-large-file",
        "file-not-found", "get-directory", "put-empty", "path-escapes", "path-form", "path-symlink",
        "put-path-refused", "path-symlink-inside", "malformed-line", "unknown-verb", "bad-bytes",
        "split-utf8", "long-line-accepted", "vanish-mid-request", "sixteen-connections",
        "error-precedence"])),
    m("ping-needs-hello", &["PING-2"], Only(&[
        "ping", "hello-required", "relay-not-to-strangers", "unknown-verb", "bad-bytes", "bad-fields",
        "vanish-mid-request", "sixteen-connections", "error-precedence"])),
    m("bye-needs-hello", &["BYE-2"], Only(&["bye-before-hello", "sixteen-connections"])),
    m("no-close-after-bye", &["BYE-1", "BYE-3"], Only(&[
        "name-released", "bye", "bye-before-hello", "sixteen-connections"])),
    m("bye-finishes-batch", &["BYE-3"], Only(&["bye"])),
    // connections and limits
    Mutant { jobs: 1, down_after: Some("upload-cut-short"),
        ..m("crash-on-disconnect", &["CONN-1"], Only(&["upload-cut-short"])) },
    m("eof-answers-partial-line", &["CONN-4"], Only(&["client-eof"])),
    m("no-close-on-eof", &["CONN-4"], Only(&[
        "silent-until-asked", "name-released", "client-eof", "sixteen-connections",
        "eof-after-requests"])),
    m("eof-drops-replies", &["CONN-5"], Only(&["eof-after-requests"])),
    m("name-kept-on-disconnect", &["CONN-3"], Only(&["name-released"])),
    m("name-freed-late", &["CONN-3"], Only(&["name-released"])),
    Mutant { jobs: 1, ..m("eight-workers", &["CONN-2"], Only(&["sixteen-connections"])) },
    Mutant { args: &["--max-connections", "16"],
        ..m("slot-freed-late", &["CONN-8"], Only(&["sixteen-connections"])) },
    m("blocking-relay", &["CONN-6"], Only(&["slow-reader"])),
    Mutant { args: &["--max-line", "1024"],
        ..m("limit-counts-terminator", &["LIMIT-1"], Only(&["long-line-accepted"])) },
    m("waits-for-lf", &["LIMIT-2"], Only(&["line-too-long"])),
    m("line-limit-too-high", &["LIMIT-7"], Only(&["line-too-long"])),
    m("long-line-stays-open", &["LIMIT-2", "ERR-3"], Only(&["line-too-long"])),
    Mutant { args: &["--idle-timeout", "30"], slow: true,
        ..m("idle-per-request", &["LIMIT-4"], Only(&["idle-counts-octets"])) },
    // UDP
    m("no-udp-relay", &["UDP-1"], Only(&["udp-relay"])),
    m("udp-hello-ok", &["UDP-2"], Only(&[
        "udp-relay", "udp-registration", "udp-separate-room", "udp-datagram-size"])),
    m("udp-hello-renames", &["UDP-3"], Only(&["udp-registration"])),
    m("udp-msg-unregistered", &["UDP-4"], Only(&["udp-registration"])),
    m("udp-bye-keeps-peer", &["UDP-6"], Only(&["udp-registration"])),
    m("udp-ping-needs-hello", &["UDP-7"], Only(&["udp-registration", "udp-errors"])),
    m("udp-extra-before-405", &["UDP-8", "ERR-4"], Only(&["udp-errors"])),
    m("udp-first-line-only", &["UDP-9"], Only(&["udp-errors"])),
    m("udp-recv-at-limit", &["UDP-10"], Only(&["udp-datagram-size"])),
    m("udp-limit-too-high", &["UDP-16"], Only(&["udp-datagram-size"])),
    m("udp-shared-names", &["UDP-11"], Only(&["udp-separate-room"])),
    m("udp-reply-new-socket", &["UDP-12"], Only(&[
        "udp-relay", "udp-registration", "udp-errors", "udp-separate-room", "udp-datagram-size"])),
    m("udp-strips-lone-cr", &["UDP-15"], Only(&["udp-errors"])),
    Mutant { slow: true,
        ..m("udp-expiry-30s", &["UDP-13"], Only(&["udp-no-early-expiry", "udp-refresh"])) },
    Mutant { args: &["--udp-expiry", "60"], slow: true,
        ..m("udp-refresh-on-msg-only", &["UDP-14"], Only(&["udp-refresh"])) },
    // Answers nothing, on TCP or UDP: every step waits out its deadline (a quarter of the default).
    Mutant { jobs: 8, scale: 0.25,
        ..m("hangs", &["PING-1", "ORDER-1"], AllBut(&["silent-until-asked", "client-eof"])) },
];

/// Server requirements with no defect above, and why: a black-box suite cannot check them (or
/// not deterministically). MAY requirements need no defect.
static NOT_PLANTED: &[(&str, &str)] = &[
    (
        "LIMIT-6",
        "the connection limit is the server's own choice above 16: a suite cannot know where it \
         lies (coverage.rs lists it as untestable)",
    ),
    (
        "LIMIT-5",
        "SHOULD: the idle limit has no maximum, so no test can wait for the idle BYE",
    ),
    (
        "CONN-7",
        "SHOULD: the bound of a slow reader's queue has no maximum, so no test knows when the \
         server should cut it off (CONN-6, that the others are not stalled, is tested)",
    ),
    (
        "PUT-9",
        "SHOULD: the name of an upload's temporary file is the server's private choice; no \
         request can learn it to try it",
    ),
    (
        "ERR-2",
        "SHOULD: whether an ERR text says what was wrong is for a human to judge; the grammar \
         already requires a text",
    ),
    (
        "ERR-6",
        "SHOULD: a server that closes without the linger passes on Linux, which delivers the data \
         queued before a reset (tried: no scenario can tell it from a lingering server)",
    ),
    (
        "UDP-5",
        "datagrams to different addresses have no order an observer can see: a server that sends \
         the OK a microsecond before the FROM datagrams looks the same as one that sends it after",
    ),
];

/// Defects of the student server that test the harness itself, not the suite's coverage.
const HARNESS_ONLY: &[&str] = &["floods"];

// ---------------------------------------------------------------- the suite and the spec

/// Scenario ids in suite order, with their requirements and whether they are `slow`.
fn scenarios() -> Vec<(String, Vec<String>, bool)> {
    core_suite()
        .scenarios
        .iter()
        .map(|s| {
            let slow = s.tags.iter().any(|t| t == "slow");
            (s.id.clone(), s.requirements.clone(), slow)
        })
        .collect()
}

fn requirements_of(id: &str) -> Vec<String> {
    scenarios()
        .into_iter()
        .find(|(s, _, _)| s == id)
        .map(|(_, reqs, _)| reqs)
        .unwrap_or_else(|| panic!("no scenario `{id}`"))
}

/// `(id, level)` of every requirement bullet of the spec: `- **ID** (LEVEL) ...`.
fn spec_requirements() -> Vec<(String, String)> {
    let spec = std::fs::read_to_string(repo().join("spec/protocol.md")).expect("spec readable");
    spec.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("- **")?;
            let (id, rest) = rest.split_once("** (")?;
            let (level, _) = rest.split_once(')')?;
            Some((id.to_owned(), level.to_owned()))
        })
        .collect()
}

/// The requirements a server must meet: MUST and SHOULD (not MAY, not the client's).
fn server_requirements() -> Vec<String> {
    spec_requirements()
        .into_iter()
        .filter(|(_, level)| level == "MUST" || level == "SHOULD")
        .map(|(id, _)| id)
        .collect()
}

/// The scenarios run against `m`, in suite order.
fn run_ids(m: &Mutant) -> Vec<String> {
    scenarios()
        .into_iter()
        .filter(|(_, _, slow)| m.slow || !slow)
        .map(|(id, _, _)| id)
        .collect()
}

/// The scenarios that are not `slow`, in suite order: those a run here has by default.
fn fast_ids() -> Vec<String> {
    scenarios()
        .into_iter()
        .filter(|(_, _, slow)| !slow)
        .map(|(id, _, _)| id)
        .collect()
}

/// The scenarios `m` must fail, in suite order.
fn expected_failed(m: &Mutant) -> Vec<String> {
    let fast = fast_ids();
    run_ids(m)
        .into_iter()
        .filter(|id| match m.fails {
            Only(ids) => ids.contains(&id.as_str()),
            AllBut(ids) => fast.contains(id) && !ids.contains(&id.as_str()),
        })
        .collect()
}

/// The scenarios that must not run against `m`: those after the one that kills the server.
fn expected_not_run(m: &Mutant) -> Vec<String> {
    let ids = run_ids(m);
    match m.down_after {
        None => vec![],
        Some(last) => {
            let at = ids
                .iter()
                .position(|id| id == last)
                .expect("scenario exists");
            ids[at + 1..].to_vec()
        }
    }
}

// ---------------------------------------------------------------- running a defect

/// The suite against a fresh server with `defect` and `args`: the fast scenarios at once, or
/// the one scenario `only` (a slow one) alone.
fn run_once(m: &Mutant, only: Option<&str>) -> Vec<ScenarioReport> {
    let server = StudentServer::start(Some(m.defect), m.args);
    let report = match only {
        None => run_core(server.addr, m.jobs, m.scale),
        Some(id) => run_with(
            server.addr,
            RunOptions {
                seed: 42,
                jobs: 1,
                udp: true,
                slow: true,
                timeout_scale: m.scale,
                filter: vec![id.to_owned()],
                ..RunOptions::default()
            },
        ),
    };
    report.scenarios
}

/// The fast run's verdicts, with each slow scenario's verdict from its own run put in place of
/// its `skipped` entry.
fn merge(fast: Vec<ScenarioReport>, slow: Vec<ScenarioReport>) -> Vec<ScenarioReport> {
    fast.into_iter()
        .map(|r| {
            slow.iter()
                .find(|s| s.id == r.id && s.status != Status::Skipped)
                .cloned()
                .unwrap_or(r)
        })
        .collect()
}

/// Runs every mutant: the slow scenarios of the slow ones first, each in a thread of its own
/// (they mostly wait), then the fast runs on `workers` threads. Results in table order.
fn run_all(workers: usize) -> Vec<Vec<ScenarioReport>> {
    let slow_ids: Vec<String> = scenarios()
        .into_iter()
        .filter(|(_, _, slow)| *slow)
        .map(|(id, _, _)| id)
        .collect();
    thread::scope(|scope| {
        let slow: Vec<_> = MUTANTS
            .iter()
            .enumerate()
            .filter(|(_, m)| m.slow)
            .flat_map(|(i, m)| {
                slow_ids
                    .iter()
                    .map(move |id| (i, scope.spawn(move || run_once(m, Some(id)))))
            })
            .collect();
        let next = AtomicUsize::new(0);
        let fast: Mutex<Vec<Option<Vec<ScenarioReport>>>> =
            Mutex::new(MUTANTS.iter().map(|_| None).collect());
        thread::scope(|pool| {
            for _ in 0..workers {
                pool.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(m) = MUTANTS.get(i) else { break };
                        let reports = run_once(m, None);
                        fast.lock().expect("no panic while held")[i] = Some(reports);
                    }
                });
            }
        });
        let mut slow_by: BTreeMap<usize, Vec<ScenarioReport>> = BTreeMap::new();
        for (i, handle) in slow {
            let reports = handle.join().expect("a slow run panicked");
            slow_by.entry(i).or_default().extend(reports);
        }
        let fast = fast.into_inner().expect("no panic while held");
        fast.into_iter()
            .enumerate()
            .map(|(i, f)| {
                merge(
                    f.expect("every mutant ran"),
                    slow_by.remove(&i).unwrap_or_default(),
                )
            })
            .collect()
    })
}

// ---------------------------------------------------------------- judging a defect

/// What the suite made of one defect.
struct Judged {
    /// It failed at least one scenario.
    caught: bool,
    /// Its first failing scenario names one of the requirements it breaks.
    named: bool,
    /// One line for the table.
    line: String,
    /// What differs from the table, if anything.
    problems: Vec<String>,
}

fn failed_ids(reports: &[ScenarioReport]) -> Vec<String> {
    reports
        .iter()
        .filter(|r| matches!(r.status, Status::Failed | Status::Error))
        .map(|r| r.id.clone())
        .collect()
}

/// The failure of `r`, shortened for the table.
fn why(r: &ScenarioReport) -> String {
    let got = r
        .failure
        .as_ref()
        .map(words::got)
        .or_else(|| r.reason.clone())
        .unwrap_or_default();
    let got = got.replace('\n', " ");
    let mut short: String = got.chars().take(70).collect();
    if got.chars().count() > 70 {
        short.push('…');
    }
    short
}

fn judge(m: &Mutant, reports: &[ScenarioReport]) -> Judged {
    let failed = failed_ids(reports);
    let not_run: Vec<String> = reports
        .iter()
        .filter(|r| r.status == Status::NotRun)
        .map(|r| r.id.clone())
        .collect();
    let mut problems = Vec::new();
    let expected = expected_failed(m);
    if failed != expected {
        let extra: Vec<_> = failed.iter().filter(|f| !expected.contains(f)).collect();
        let missing: Vec<_> = expected.iter().filter(|e| !failed.contains(e)).collect();
        problems.push(format!(
            "failed too: {extra:?}; passed instead: {missing:?}"
        ));
        for r in reports.iter().filter(|r| extra.contains(&&r.id)) {
            problems.push(format!("  {}: {}", r.id, why(r)));
        }
    }
    if not_run != expected_not_run(m) {
        problems.push(format!(
            "not run: {not_run:?}, expected {:?}",
            expected_not_run(m)
        ));
    }
    let first = reports
        .iter()
        .find(|r| matches!(r.status, Status::Failed | Status::Error));
    let named = first.is_some_and(|r| {
        r.requirements
            .iter()
            .any(|q| m.breaks.contains(&q.as_str()))
    });
    if !named {
        problems.push("its first failure names none of the requirements it breaks".to_owned());
    }
    let line = match first {
        None => format!(
            "{:<26} {:<22} caught by nothing",
            m.defect,
            m.breaks.join(",")
        ),
        Some(r) => format!(
            "{:<26} {:<22} {:>2} failed; first {} [{}]: {}",
            m.defect,
            m.breaks.join(","),
            failed.len(),
            r.id,
            r.requirements.join(","),
            why(r)
        ),
    };
    Judged {
        caught: first.is_some(),
        named,
        line,
        problems,
    }
}

// ---------------------------------------------------------------- the tests

#[test]
fn correct_student_server_passes_everything() {
    let _serial = one_at_a_time();
    let server = StudentServer::start(None, &[]);
    let report = run_core(server.addr, 4, 1.0);
    let bad: Vec<String> = report
        .scenarios
        .iter()
        .filter(|r| !matches!(r.status, Status::Passed | Status::Skipped))
        .map(|r| format!("{} {:?}: {}", r.id, r.status, why(r)))
        .collect();
    assert!(
        bad.is_empty(),
        "the correct server fails:\n{}",
        bad.join("\n")
    );
    assert_eq!(ids_with(&report, Status::Passed), fast_ids());
}

#[test]
fn mutation_suite_catches_and_names_every_defect() {
    let _serial = one_at_a_time();
    let start = std::time::Instant::now();
    let results = run_all(4);
    let judged: Vec<Judged> = MUTANTS
        .iter()
        .zip(&results)
        .map(|(m, r)| judge(m, r))
        .collect();
    println!("mutation suite: the core suite against the student server, one defect at a time");
    let mut problems = Vec::new();
    for (m, j) in MUTANTS.iter().zip(&judged) {
        println!("  {}", j.line);
        if !j.problems.is_empty() {
            problems.push(format!("{}:\n    {}", m.defect, j.problems.join("\n    ")));
        }
    }
    let caught = judged.iter().filter(|j| j.caught).count();
    let named = judged.iter().filter(|j| j.named).count();
    println!(
        "mutation score: {} defects, {caught} caught, {named} named by their first failure ({:.0} s)",
        MUTANTS.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!((caught, named), (MUTANTS.len(), MUTANTS.len()));
}

#[test]
fn every_server_requirement_has_a_caught_defect_or_a_reason() {
    let server = server_requirements();
    let not_planted: BTreeSet<&str> = NOT_PLANTED.iter().map(|(id, _)| *id).collect();
    // A requirement counts as planted when a defect breaks it and one of the scenarios that
    // defect must fail names it.
    let mut planted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for m in MUTANTS {
        let named: BTreeSet<String> = expected_failed(m)
            .iter()
            .flat_map(|id| requirements_of(id))
            .collect();
        for id in m.breaks {
            assert!(
                server.iter().any(|s| s == id),
                "{}: {id} is not a server requirement",
                m.defect
            );
            if named.contains(*id) {
                planted.entry(id).or_default().push(m.defect);
            }
        }
        assert!(
            !expected_failed(m).is_empty(),
            "{}: no scenario must fail",
            m.defect
        );
    }
    let missing: Vec<&String> = server
        .iter()
        .filter(|id| !planted.contains_key(id.as_str()) && !not_planted.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "requirements with no caught defect and no reason: {missing:?}"
    );
    for id in &not_planted {
        assert!(
            server.iter().any(|s| s == id),
            "NOT_PLANTED names {id}, not a server requirement"
        );
        assert!(
            !planted.contains_key(id),
            "{id} has a caught defect: drop it from NOT_PLANTED"
        );
    }
    println!(
        "{} server requirements (MUST, SHOULD): {} with a caught defect, {} not planted",
        server.len(),
        planted.len(),
        not_planted.len()
    );
}

/// The defects of the student server: its `DEFECTS` list.
fn python_defects() -> Vec<String> {
    let src = std::fs::read_to_string(repo().join("fixtures/servers/student_server.py"))
        .expect("server readable");
    let list = src
        .split_once("DEFECTS = [")
        .and_then(|(_, rest)| rest.split_once("\n]"))
        .expect("a DEFECTS list")
        .0;
    list.lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split_once('"'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[test]
fn every_defect_is_in_the_table_marked_and_documented() {
    let src = std::fs::read_to_string(repo().join("fixtures/servers/student_server.py"))
        .expect("server readable");
    let readme = std::fs::read_to_string(repo().join("fixtures/servers/README.md"))
        .expect("README readable");
    let python = python_defects();
    let table: Vec<&str> = MUTANTS
        .iter()
        .map(|m| m.defect)
        .chain(HARNESS_ONLY.iter().copied())
        .collect();
    for d in &python {
        assert!(
            table.contains(&d.as_str()),
            "defect {d} is not in the mutation table"
        );
        assert!(
            src.contains(&format!("# DEFECT {d}:")),
            "defect {d} has no `# DEFECT {d}:` mark"
        );
        assert!(
            readme.contains(&format!("| `{d}` |")),
            "defect {d} is not in fixtures/servers/README.md"
        );
    }
    for d in &table {
        assert!(
            python.iter().any(|p| p == d),
            "the table names {d}, which the server does not know"
        );
    }
    let unique: BTreeSet<&&str> = table.iter().collect();
    assert_eq!(unique.len(), table.len(), "a defect is in the table twice");
}

/// Not a mutant: `floods` tests the harness's byte and time budgets (every reply after HELLO
/// sits behind megabytes of spam), not the suite's coverage.
#[test]
fn floods_gets_a_verdict_wherever_a_reply_follows_hello() {
    let _serial = one_at_a_time();
    let passing = [
        "silent-until-asked",
        "ping",
        "hello-name-in-use",
        "hello-required",
        "bye-before-hello",
        "client-eof",
        "unknown-verb",
        "bad-bytes",
        "bad-fields",
        "line-too-long",
        "sixteen-connections",
        "udp-relay",
        "udp-registration",
        "udp-errors",
        "udp-datagram-size",
    ];
    let server = StudentServer::start(Some("floods"), &[]);
    let report = run_core(server.addr, 4, 1.0);
    let expected: Vec<String> = fast_ids()
        .into_iter()
        .filter(|id| !passing.contains(&id.as_str()))
        .collect();
    let failed = failed_ids(&report.scenarios);
    assert_eq!(failed, expected, "floods: failed scenarios differ");
    assert!(ids_with(&report, Status::NotRun).is_empty());
}
