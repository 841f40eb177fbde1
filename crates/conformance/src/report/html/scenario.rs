//! The scenario table, each failure in full, and what a program printed.

use std::fmt::Write as _;

use super::{badge, escape};
use crate::outcome::{ProgramReport, RunReport, ScenarioReport, Status, StepFailure, Traffic};
use crate::report::words;

/// The snake_case name of a status: its badge's class.
fn class(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Error => "error",
        Status::Skipped => "skipped",
        Status::NotRun => "not_run",
    }
}

/// One row per scenario.
pub(super) fn table(report: &RunReport) -> String {
    // A lab suite cites no requirement: no column for them then.
    let cites = report.scenarios.iter().any(|r| !r.requirements.is_empty());
    let mut out = format!(
        "<h2>Scenarios</h2>\n<table>\n<tr><th>result</th><th>scenario</th>{}<th class=\"num\">points</th></tr>\n",
        if cites { "<th>checks</th>" } else { "" }
    );
    for r in &report.scenarios {
        let mut notes = String::new();
        for (on, word) in [
            (r.bonus, "bonus"),
            (r.optional, "optional: not counted"),
            (r.flaky, "flaky"),
            (!r.visibility.is_visible(), r.visibility.as_str()),
        ] {
            if on {
                let _ = write!(notes, "<span class=\"tag\">{}</span>", escape(word));
            }
        }
        if let Some(p) = &r.partial {
            let _ = write!(
                notes,
                "<span class=\"tag\">partial: {} of {} checks</span>",
                p.checks_passed, p.checks
            );
        }
        let reason = r
            .reason
            .as_ref()
            .map(|why| format!("<br><span class=\"note\">{}</span>", escape(why)))
            .unwrap_or_default();
        let points = match r.status {
            Status::Skipped => "-".to_owned(),
            _ => format!("{} / {}", r.points, r.max_points),
        };
        let link = if r.status == Status::Failed {
            format!("<a href=\"#s-{0}\">{0}</a>", escape(&r.id))
        } else {
            escape(&r.id)
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{link}</code>{notes}<br>{}{reason}</td>{}<td class=\"num\">{points}</td></tr>",
            badge(class(r.status), words::status(r.status)),
            escape(&r.title),
            if cites {
                format!("<td>{}</td>", escape(&r.requirements.join(" ")))
            } else {
                String::new()
            },
        );
    }
    out += "</table>\n";
    out
}

/// Each failed scenario in full.
pub(super) fn failures(report: &RunReport) -> String {
    let failed: Vec<&ScenarioReport> = report
        .scenarios
        .iter()
        .filter(|r| r.status == Status::Failed)
        .collect();
    if failed.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>What failed</h2>\n");
    for r in failed {
        let _ = write!(
            out,
            "<details class=\"failure\" id=\"s-{}\" open>\n<summary><h3 style=\"display:inline\">{} <code>{}</code>: {}</h3></summary>\n<div>\n",
            escape(&r.id),
            badge("failed", words::status(r.status)),
            escape(&r.id),
            escape(&r.title)
        );
        match &r.failure {
            Some(f) => out += &failure(f),
            None => {
                let why = words::no_verdict(r).unwrap_or_default();
                let _ = writeln!(out, "<p>{}</p>", escape(&why));
            }
        }
        if let Some(h) = &r.hint {
            let _ = writeln!(out, "<div class=\"hint\"><b>hint:</b> {}</div>", escape(h));
        }
        for p in &r.programs {
            out += &program(p);
        }
        out += "</div>\n</details>\n";
    }
    out
}

fn failure(f: &StepFailure) -> String {
    let mut out = String::from("<dl class=\"kv\">\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(out, "<dt>{k}</dt><dd>{v}</dd>");
    };
    row(
        "at",
        format!(
            "<code>{}</code>, step {}: {}",
            escape(&words::location(&f.location)),
            f.step,
            escape(&f.action)
        ),
    );
    if !f.source_line.is_empty() {
        row(
            "step",
            format!("<code>{}</code>", escape(f.source_line.trim())),
        );
    }
    row(
        "expected",
        format!("<code>{}</code>", escape(&words::expected_of(f))),
    );
    row("got", format!("<code>{}</code>", escape(&words::got(f))));
    if let Some(b) = words::received(f) {
        row("bytes", format!("<code>{}</code>", escape(&b)));
    }
    out += "</dl>\n";
    if let Some(h) = words::received_hexdump(f) {
        let _ = writeln!(out, "<pre>{}</pre>", escape(&h));
    }
    out += &transcript(f);
    out
}

/// The traffic up to the failure.
fn transcript(f: &StepFailure) -> String {
    if f.transcript.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<p class=\"note\">transcript (-&gt; sent, &lt;- received):</p>\n<table class=\"tx\">\n",
    );
    for e in &f.transcript {
        let (arrow, text) = match &e.traffic {
            Traffic::Sent(x) => ("-&gt;", words::excerpt(x)),
            Traffic::Received(x) => ("&lt;-", words::excerpt(x)),
            Traffic::Observed { observation } => {
                ("", words::observed_by(observation, None, f.peer))
            }
            Traffic::Note { text } => ("", text.clone()),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"dir\">{arrow}</td><td>{}</td></tr>",
            escape(&e.conn),
            escape(&text)
        );
    }
    out += "</table>\n";
    out
}

/// How a program ended and the end of what it wrote.
pub(super) fn program(p: &ProgramReport) -> String {
    let mut out = format!(
        "<p>your program <code>{}</code> {}</p>\n",
        escape(&p.command),
        escape(&p.exit)
    );
    for (name, stream) in [
        ("standard error", &p.stderr),
        ("standard output", &p.stdout),
    ] {
        if stream.is_empty() {
            continue;
        }
        // Head and tail are one text unless bytes were dropped between them: then the tail.
        let text = if stream.omitted == 0 {
            String::from_utf8_lossy(&[&stream.head[..], &stream.tail[..]].concat()).into_owned()
        } else {
            String::from_utf8_lossy(&stream.tail).into_owned()
        };
        let shown = last_lines(&text, 60);
        let mut about = format!("{} bytes", stream.total);
        if stream.omitted > 0 {
            about += &format!(", {} of them left out", stream.omitted);
        }
        if stream.omitted > 0 || shown.len() < text.len() {
            about += "; the last lines";
        }
        let _ = write!(
            out,
            "<p class=\"note\">its {name} ({about}):</p>\n<pre>{}</pre>\n",
            escape(shown)
        );
    }
    out
}

/// The last `n` lines of `text`, at most 8 KiB of them.
fn last_lines(text: &str, n: usize) -> &str {
    let trimmed = text.trim_end_matches('\n');
    let start = trimmed
        .rmatch_indices('\n')
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i + 1);
    let mut start = start.max(text.len().saturating_sub(8192));
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
