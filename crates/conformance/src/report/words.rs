//! The one place where outcomes become words: bytes escaped and hexdumped, observations,
//! mismatches and expectations said in a sentence. Every report format uses these.

use std::path::Path;

use bytes::Bytes;

use crate::outcome::{
    Excerpt, Expected, Mismatch, Observation, Peer, ScenarioReport, Status, StepFailure, Traffic,
};
use crate::scenario::{CloseKind, Location};

/// Bytes in the spec's escaped notation (`\n`, `\r`, `\\`, `\xHH`).
pub fn escape(bytes: &[u8]) -> String {
    wire::escape::escape(bytes)
}

/// An excerpt escaped, with the full length when it was cut.
pub fn excerpt(e: &Excerpt) -> String {
    let mut shown = escape(&e.bytes);
    if e.is_cut() {
        shown += &format!("... ({} bytes in all)", e.len);
    }
    shown
}

/// Whether bytes read as plain text (no hexdump needed).
pub fn is_plain(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes)
        .is_ok_and(|s| !s.chars().any(|c| c.is_control() && c != '\n' && c != '\r'))
}

/// A classic 16-bytes-a-line hexdump of at most `max` bytes.
pub fn hexdump(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for (i, row) in bytes[..bytes.len().min(max)].chunks(16).enumerate() {
        let hex: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = row
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect();
        out += &format!("{:08x}  {:<47}  |{ascii}|\n", i * 16, hex.join(" "));
    }
    if bytes.len() > max {
        out += &format!("... {} more bytes\n", bytes.len() - max);
    }
    out
}

/// A status as a short word.
pub fn status(s: Status) -> &'static str {
    match s {
        Status::Passed => "pass",
        Status::Failed => "FAIL",
        Status::Error => "ERROR",
        Status::Skipped => "skip",
        Status::NotRun => "not run",
    }
}

/// How a connection closed.
pub fn close(k: CloseKind) -> &'static str {
    match k {
        CloseKind::Fin => "FIN (orderly close)",
        CloseKind::Reset => "reset (RST)",
        CloseKind::Any => "close",
    }
}

/// What a step needed, of a server.
pub fn expected(e: &Expected) -> String {
    expected_by(e, Peer::Server)
}

/// What a failed step needed, naming the program under test as the failure says.
pub fn expected_of(f: &StepFailure) -> String {
    expected_by(&f.expected, f.peer)
}

/// What a step needed of `peer`.
pub fn expected_by(e: &Expected, peer: Peer) -> String {
    match e {
        Expected::OneOf { alternatives } => alternatives.join("\n        or: "),
        Expected::Raw {
            what,
            bytes,
            until_close,
            trim,
            ignore_case,
        } => raw(what, bytes, *until_close, *trim, *ignore_case),
        Expected::Until {
            delimiter,
            pattern: Some(p),
        } => format!("bytes matching /{p}/ up to `{}`", escape(delimiter)),
        Expected::Until {
            delimiter,
            pattern: None,
        } => format!("bytes up to `{}`", escape(delimiter)),
        Expected::Pong => "PONG, before anything else (the PING barrier)".to_owned(),
        Expected::Silence { window_ms } => format!("nothing at all for {window_ms} ms"),
        Expected::Taken => format!("{} to read what was sent", peer.noun()),
        Expected::Connected { conn, addr } => format!("to connect `{conn}` to {addr}"),
        Expected::Accepted { conn, addr } => {
            format!("your program to connect to the harness on {addr} (`{conn}`)")
        }
        Expected::HalfClosed => "to half-close".to_owned(),
        Expected::Ready { port, what } => {
            format!("your program to listen on port {port} ({what})")
        }
        Expected::StdinTaken => "your program to read its standard input".to_owned(),
        Expected::Exit { code: Some(c) } => format!("your program to exit with status {c}"),
        Expected::Exit { code: None } => "your program to exit".to_owned(),
        Expected::File { path, content } => {
            format!(
                "the file `{path}` in your program's folder: {}",
                expected_by(content, peer)
            )
        }
    }
}

/// Raw bytes expected, in words: `the bytes `PONG\n``, `bytes containing `hello` (any case)`.
fn raw(what: &str, bytes: &[u8], until_close: bool, trim: bool, ignore_case: bool) -> String {
    let mut out = match what {
        "exactly" => format!("the bytes `{}`", escape(bytes)),
        "matching" => format!("bytes matching /{}/", String::from_utf8_lossy(bytes)),
        "of size" => format!("{} bytes", String::from_utf8_lossy(bytes)),
        "with SHA-256" => format!("bytes with SHA-256 {}", String::from_utf8_lossy(bytes)),
        "equal to the file" => format!("the bytes of the file {}", String::from_utf8_lossy(bytes)),
        "anything" => "any bytes".to_owned(),
        _ => format!("bytes {what} `{}`", escape(bytes)),
    };
    let options: Vec<&str> = [
        (until_close, "until the connection closes"),
        (trim, "white space around ignored"),
        (ignore_case, "any case"),
    ]
    .into_iter()
    .filter_map(|(on, word)| on.then_some(word))
    .collect();
    if !options.is_empty() {
        out += &format!(" ({})", options.join(", "));
    }
    out
}

/// What happened instead, at a server; `received` are the bytes that came with it.
pub fn observed(o: &Observation, received: Option<&Bytes>) -> String {
    observed_by(o, received, Peer::Server)
}

/// What happened instead at `peer`; `received` are the bytes that came with it.
pub fn observed_by(o: &Observation, received: Option<&Bytes>, peer: Peer) -> String {
    let who = peer.noun();
    match o {
        Observation::Message {
            line,
            payload: Some(n),
        } => format!("{line} <{n} bytes>"),
        Observation::Message {
            line,
            payload: None,
        } => line.clone(),
        Observation::Malformed { why, offset } => format!(
            "a line that is not a valid server message: {why} (byte {offset} of the stream)"
        ),
        Observation::Closed { how } => {
            format!("{who} closed the connection ({})", close(*how))
        }
        Observation::Nothing => "nothing, before the deadline".to_owned(),
        Observation::Incomplete { len } => {
            format!("{len} bytes with no line end, then nothing before the deadline")
        }
        Observation::PayloadCut {
            line,
            announced,
            arrived,
        } => format!(
            "`{line}`, which announces {announced} bytes; only {arrived} arrived before the deadline"
        ),
        Observation::Short { len, closed } => short(who, *len, *closed),
        Observation::NotReady { why } => why.clone(),
        Observation::Output {
            len: 0,
            ended: false,
        } => "your program printed nothing before the deadline".to_owned(),
        Observation::Output { len, ended: false } => format!(
            "your program printed {len} bytes that do not match, then nothing more before the deadline"
        ),
        Observation::Output {
            len: 0,
            ended: true,
        } => "your program printed nothing, and its output ended".to_owned(),
        Observation::Output { len, ended: true } => {
            format!("your program printed {len} bytes that do not match, then its output ended")
        }
        Observation::StillRunning => "your program was still running at the deadline".to_owned(),
        Observation::Exited { exit } => format!("your program {exit}"),
        Observation::NoFile => "there is no such file".to_owned(),
        Observation::FileContent {
            len,
            want,
            differs_at,
        } => file_content(*len, *want, *differs_at),
        Observation::Broken { why } => why.clone(),
        Observation::Bytes => format!("`{}`", escape(received.map_or(&[][..], |b| b))),
        Observation::RawBytes {
            len,
            differs_at,
            closed,
        } => raw_bytes(who, *len, *differs_at, *closed, received),
        Observation::NotTaken {
            taken,
            total,
            elapsed_ms,
            idle_ms,
        } => not_taken(who, *taken, *total, *elapsed_ms, *idle_ms),
        Observation::WriteFailed { taken, error } => {
            format!("writing failed after {taken} bytes: {error}")
        }
        Observation::ConnectFailed { error } => format!("could not connect: {error}"),
        Observation::HalfCloseFailed { error } => error.clone(),
    }
}

/// Fewer raw bytes than awaited, then the deadline or the close.
fn short(who: &str, len: u64, closed: Option<CloseKind>) -> String {
    match (len, closed) {
        (0, None) => "nothing, before the deadline".to_owned(),
        (len, None) => format!("{len} bytes, no match, then nothing more before the deadline"),
        (0, Some(how)) => format!(
            "nothing (0 bytes), then {who} closed the connection ({})",
            close(how)
        ),
        (len, Some(how)) => format!(
            "{}, then {who} closed the connection ({})",
            bytes_count(len),
            close(how)
        ),
    }
}

/// A file that does not match: `the file has 1,024 of 70,000 bytes`, `the file has its 5
/// bytes, differing from the expected from byte 2 on`.
fn file_content(len: u64, want: Option<u64>, differs_at: Option<u64>) -> String {
    let mut out = match want {
        Some(want) if want > len => {
            format!("the file has {} of {}", count(len), bytes_count(want))
        }
        Some(want) if want < len => {
            format!("the file has {}, not {}", bytes_count(len), count(want))
        }
        Some(_) => format!("the file has its {}", bytes_count(len)),
        None => format!("the file holds {} that do not match", bytes_count(len)),
    };
    // A file that is the expected one cut short differs only where it ends: its size says so.
    if let Some(at) = differs_at.filter(|&at| at < len.min(want.unwrap_or(u64::MAX))) {
        out += &format!(", differing from the expected from byte {at} on");
    }
    out
}

/// Bytes shown in a `got` line; the rest are in the `bytes` excerpt and hexdump.
const GOT_BYTES: usize = 64;

/// A count of bytes with thousands separators: `70,000 bytes`, `1 byte`.
pub fn bytes_count(n: u64) -> String {
    count(n) + if n == 1 { " byte" } else { " bytes" }
}

/// A number with thousands separators: `70,000`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Raw bytes that arrived: `5 bytes `hello`, differing from byte 3 on, then the client closed
/// the connection (FIN (orderly close))`; `nothing (0 bytes)`.
fn raw_bytes(
    who: &str,
    len: u64,
    differs_at: Option<u64>,
    closed: Option<CloseKind>,
    received: Option<&Bytes>,
) -> String {
    let mut out = if len == 0 {
        "nothing (0 bytes)".to_owned()
    } else {
        let got = received.map_or(&[][..], |b| &b[..b.len().min(GOT_BYTES)]);
        let more = if (got.len() as u64) < len { "..." } else { "" };
        format!("{} `{}{more}`", bytes_count(len), escape(got))
    };
    if let Some(at) = differs_at {
        out += &format!(", differing from the expected from byte {at} on");
    }
    if let Some(how) = closed {
        out += &format!(", then {who} closed the connection ({})", close(how));
    }
    out
}

/// A send the program did not take in time: it never read, stopped reading, or read too slowly.
fn not_taken(who: &str, taken: u64, total: u64, elapsed_ms: u64, idle_ms: u64) -> String {
    let secs = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
    if taken == 0 {
        format!(
            "{who} read none of the {total} bytes of this send in {}",
            secs(elapsed_ms)
        )
    } else if idle_ms >= 1000 {
        format!(
            "{who} stopped reading: it took {taken} of {total} bytes, then nothing for the last {}",
            secs(idle_ms)
        )
    } else {
        format!(
            "{who} reads too slowly: it took {taken} of {total} bytes in {}, and was still reading at the deadline",
            secs(elapsed_ms)
        )
    }
}

/// Which part did not match.
pub fn mismatch(m: &Mismatch) -> String {
    match m {
        Mismatch::Verb { got, want } => format!("the verb is {got}, not {want}"),
        Mismatch::FieldMissing { field } => format!("its {field} is missing"),
        Mismatch::FieldPresent { field, got } => {
            format!("its {field} has `{got}`, where nothing was expected")
        }
        Mismatch::FieldDiffers { field, got, want } => {
            format!("its {field} is `{got}`, not `{want}`")
        }
        Mismatch::FieldPattern {
            field,
            got,
            pattern,
        } => format!("its {field} `{got}` does not match /{pattern}/"),
        Mismatch::PayloadSize { got, want } => format!("its payload has {got} bytes, not {want}"),
        Mismatch::PayloadByte { offset, got, want } => {
            format!("its payload differs from byte {offset} on (0x{got:02x}, not 0x{want:02x})")
        }
        Mismatch::PayloadDigest { got, want } => {
            format!("its payload's SHA-256 is {got}, not {want}")
        }
        Mismatch::Close { got } => format!("the close was a {}", close(*got)),
    }
}

/// What happened, with the reasons of a mismatch: the `got` of every report.
pub fn got(f: &StepFailure) -> String {
    let mut out = observed_by(&f.observed, f.received.as_ref(), f.peer);
    if !f.mismatches.is_empty() {
        let why: Vec<String> = f.mismatches.iter().map(mismatch).collect();
        out += &format!("\n  (why: {})", why.join("; "));
    }
    out
}

/// The received bytes, escaped, when there were any.
pub fn received(f: &StepFailure) -> Option<String> {
    f.received
        .as_ref()
        .filter(|b| !b.is_empty())
        .map(|b| escape(b))
}

/// A hexdump of the received bytes when they are not plain text.
pub fn received_hexdump(f: &StepFailure) -> Option<String> {
    f.received
        .as_ref()
        .filter(|b| !b.is_empty() && !is_plain(b))
        .map(|b| hexdump(b, 256))
}

/// A scenario file as reports show it: its path relative to the suite folder, e.g.
/// `010-hello.yaml`. A suite is one flat folder (`scenario::load` reads no subfolder), so that
/// is the file's name; the folders of the machine that graded never reach a student or a CI
/// page.
pub fn suite_file(file: impl AsRef<Path>) -> String {
    let file = file.as_ref();
    file.file_name()
        .unwrap_or(file.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Where a step is written, relative to the suite folder: `055-upload-cut-short.yaml:18:5`.
pub fn location(at: &Location) -> String {
    format!("{}:{}:{}", suite_file(&at.file), at.line, at.column)
}

/// The line a report points at for a scenario: the failing step's line for a failure (where
/// the fix starts), the scenario's own line otherwise.
pub fn line(r: &ScenarioReport) -> u64 {
    r.failure.as_ref().map_or(r.line, |f| f.location.line)
}

/// Text on one line: each line trimmed, joined by a space (for attributes and summaries).
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A failure in one line, where first: `031-relay-not-to-author.yaml:23:5: expect on a:
/// expected OK <text>, got FROM alice hi (why: the verb is FROM, not OK)`.
pub fn failure_summary(f: &StepFailure) -> String {
    one_line(&format!(
        "{}: {}: expected {}, got {}",
        location(&f.location),
        f.action,
        expected_of(f),
        got(f)
    ))
}

/// A scenario's name with the requirements it cites: `relay-to-others (CHAT-3, CHAT-4)`, or
/// just its id when it cites none.
pub fn id_and_requirements(r: &ScenarioReport) -> String {
    if r.requirements.is_empty() {
        r.id.clone()
    } else {
        format!("{} ({})", r.id, r.requirements.join(", "))
    }
}

/// Why a scenario earned nothing without a failed step, in a sentence a student can act on:
/// not run (the server went down), a harness error, or skipped. `None` for a scenario that
/// passed or has a failed step.
pub fn no_verdict(r: &ScenarioReport) -> Option<String> {
    let why = r.reason.as_deref().unwrap_or("no reason was recorded");
    match r.status {
        Status::Passed => None,
        Status::Failed => r.failure.is_none().then(|| format!("failed: {why}")),
        Status::NotRun => Some(format!("not run, because {why}")),
        Status::Error => Some(format!(
            "not graded: the harness could not run this scenario ({why})"
        )),
        Status::Skipped => Some(format!("skipped: {why}")),
    }
}

/// One failed scenario in full, as plain text with suite-relative paths: where, the step's
/// source line, what was expected, what came back, the transcript and the hint. What the
/// machine-read formats show a person (JUnit's `<system-out>`, Gradescope's `output`). Empty
/// for a scenario without a failure.
pub fn failure_text(r: &ScenarioReport) -> String {
    let Some(f) = &r.failure else {
        return String::new();
    };
    let mut out = format!("{} {}: {}", status(r.status), r.id, r.title);
    if !r.requirements.is_empty() {
        out += &format!(" [{}]", r.requirements.join(", "));
    }
    out += "\n";
    out += &format!(
        "  at {}, step {}: {}\n",
        location(&f.location),
        f.step,
        f.action
    );
    out += &source_excerpt(f);
    out += &format!("  expected: {}\n", expected_of(f));
    out += &format!("       got: {}\n", got(f));
    if let Some(b) = received(f) {
        out += &format!("     bytes: {b}\n");
    }
    for l in received_hexdump(f).iter().flat_map(|h| h.lines()) {
        out += &format!("            {l}\n");
    }
    out += &transcript(f);
    if let Some(h) = &r.hint {
        out += &format!("  hint: {h}\n");
    }
    out
}

/// The step's source line, with a caret under where it starts.
fn source_excerpt(f: &StepFailure) -> String {
    if f.source_line.is_empty() {
        return String::new();
    }
    let number = f.location.line.to_string();
    let pad = " ".repeat(number.len());
    let caret = " ".repeat(f.location.column.saturating_sub(1) as usize);
    format!(
        "    {number} | {}\n    {pad} | {caret}^\n",
        f.source_line.trim_end()
    )
}

/// The traffic up to the failure, one entry a line: `->` sent, `<-` received.
fn transcript(f: &StepFailure) -> String {
    if f.transcript.is_empty() {
        return String::new();
    }
    let mut out = "  transcript:\n".to_owned();
    for e in &f.transcript {
        let (arrow, text) = match &e.traffic {
            Traffic::Sent(x) => ("->", excerpt(x)),
            Traffic::Received(x) => ("<-", excerpt(x)),
            Traffic::Observed { observation } => ("  ", observed_by(observation, None, f.peer)),
            Traffic::Note { text } => ("  ", text.clone()),
        };
        out += &format!("    {:<12} {arrow} {text}\n", e.conn);
    }
    out
}

/// What a program the harness started did, for people: how it ended, and the end of what it
/// wrote on each stream (the lines a student needs: a traceback's last lines).
pub fn program(p: &crate::outcome::ProgramReport) -> String {
    let mut out = format!("  your program `{}` {}\n", p.command, p.exit);
    for (name, stream) in [
        ("standard error", &p.stderr),
        ("standard output", &p.stdout),
    ] {
        if stream.is_empty() {
            continue;
        }
        // Head and tail are one text unless bytes were dropped between them.
        let kept = if stream.omitted == 0 {
            [&stream.head[..], &stream.tail[..]].concat()
        } else {
            stream.tail.to_vec()
        };
        let end = String::from_utf8_lossy(&kept);
        let mut lines: Vec<&str> = end.lines().collect();
        let cut = lines.len() > PROGRAM_LINES || stream.omitted > 0;
        lines = lines.split_off(lines.len().saturating_sub(PROGRAM_LINES));
        let more = if cut {
            format!(" ({} bytes in all; the last lines)", stream.total)
        } else {
            String::new()
        };
        out += &format!("  its {name}{more}:\n");
        for l in lines {
            out += &format!("    | {l}\n");
        }
    }
    out
}

/// Lines of each stream shown with a program.
const PROGRAM_LINES: usize = 12;
