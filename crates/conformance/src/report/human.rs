//! The terminal report:
//!
//! ```text
//!   pass  hello                     HELLO-1            2/2
//!   FAIL  relay-not-to-author       CHAT-2             0/3
//!
//! FAIL relay-not-to-author: MSG is never relayed back to its author [CHAT-2]
//!   at conformance/core/050-relay.yaml:18:5, step 6: barrier (PING/PONG) on alice
//!   expected: PONG, before anything else (the PING barrier)
//!        got: FROM alice_x1 hi
//!      bytes: FROM alice_x1 hi\n
//!   ...
//! score: 40/43 points (93.0%)
//! 21 passed, 1 failed, 0 skipped, 0 not run
//! ```

use std::io::{self, Write};

use super::words;
use crate::outcome::{RunReport, ScenarioReport, Status, StepFailure, Traffic};

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to colour the output.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn status(self, s: Status) -> String {
        let word = format!("{:<7}", words::status(s));
        match s {
            Status::Passed => self.paint("32", &word),
            Status::Failed | Status::Error => self.paint("1;31", &word),
            Status::Skipped | Status::NotRun => self.paint("33", &word),
        }
    }
}

/// The header line, printed before the run starts.
pub fn header(suite: &str, count: usize, target: &str, seed: u64) -> String {
    format!("conformance: suite `{suite}`, {count} scenario(s), against {target}, seed {seed}\n")
}

/// One scenario's line, printed as it finishes.
pub fn line(r: &ScenarioReport, style: Style) -> String {
    let reqs = r.requirements.join(" ");
    let points = match r.status {
        Status::Skipped => "  -".to_owned(),
        _ => format!("{:>2}/{}", r.points, r.max_points),
    };
    let mut out = format!(
        "  {} {:<34} {:<22} {points}",
        style.status(r.status),
        r.id,
        reqs
    );
    if r.optional {
        out += &style.paint("2", "  (optional: not counted)");
    }
    if r.bonus {
        out += &style.paint("2", "  (bonus)");
    }
    if r.flaky {
        let note = format!("  (flaky: failed, then passed on attempt {})", r.attempts);
        out += &style.paint("33", &note);
    }
    if let Some(reason) = &r.reason {
        out += &style.paint("2", &format!("  ({reason})"));
    }
    out.push('\n');
    out
}

/// One failed scenario in full: where, what was expected, what came back, the transcript and
/// the hint. Empty for a scenario without a failure.
pub fn failure_block(r: &ScenarioReport, style: Style) -> String {
    let Some(f) = &r.failure else {
        return String::new();
    };
    let mut out = String::new();
    let reqs = if r.requirements.is_empty() {
        String::new()
    } else {
        format!(" [{}]", r.requirements.join(", "))
    };
    out += &format!(
        "\n{} {}: {}{reqs}\n",
        style.paint("1;31", words::status(r.status)),
        style.paint("1", &r.id),
        r.title,
    );
    out += &format!("  at {}, step {}: {}\n", f.location, f.step, f.action);
    out += &source(f);
    out += &format!("  expected: {}\n", words::expected_of(f));
    out += &format!("       got: {}\n", words::got(f));
    if let Some(b) = words::received(f) {
        out += &format!("     bytes: {b}\n");
    }
    if let Some(h) = words::received_hexdump(f) {
        for l in h.lines() {
            out += &format!("            {l}\n");
        }
    }
    out += &transcript(f, style);
    if let Some(h) = &r.hint {
        out += &format!("  hint: {h}\n");
    }
    for p in &r.programs {
        out += &words::program(p);
    }
    out
}

/// The step's source line, with a caret under where it starts.
fn source(f: &StepFailure) -> String {
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

fn transcript(f: &StepFailure, style: Style) -> String {
    if f.transcript.is_empty() {
        return String::new();
    }
    let mut out = "  transcript:\n".to_owned();
    for e in &f.transcript {
        let (arrow, text) = match &e.traffic {
            Traffic::Sent(x) => (style.paint("36", "->"), words::excerpt(x)),
            Traffic::Received(x) => (style.paint("35", "<-"), words::excerpt(x)),
            Traffic::Observed { observation } => (
                "  ".to_owned(),
                words::observed_by(observation, None, f.peer),
            ),
            Traffic::Note { text } => ("  ".to_owned(), text.clone()),
        };
        out += &format!("    {:<12} {arrow} {text}\n", e.conn);
    }
    out
}

/// Everything after the scenario lines: each failure in full, the score, the counts.
pub fn footer(report: &RunReport, style: Style) -> String {
    let mut out: String = report
        .scenarios
        .iter()
        .map(|r| failure_block(r, style))
        .collect();
    if let Some(why) = &report.unreachable {
        out += &format!("\n{} {why}\n", style.paint("1;31", "target unreachable:"));
    }
    // The run's program: when something went wrong, what it printed may say why.
    if let Some(p) = report
        .program
        .as_ref()
        .filter(|p| p.exited_by_itself || !report.summary.all_passed())
    {
        out.push('\n');
        out += &words::program(p);
    }
    out.push('\n');
    out += &summary(report);
    out
}

/// The score and the counts, two lines: `score: 40/43 points (93.0%)` and
/// `21 passed, 1 failed, 0 skipped, 0 not run (1.2 s)`.
pub fn summary(report: &RunReport) -> String {
    let s = &report.summary;
    let pct = s.points.percent_of(s.max_points);
    let mut out = format!(
        "score: {}/{} points ({pct:.1}%)\n{} passed, {} failed, {} skipped, {} not run ({:.1} s)\n",
        s.points,
        s.max_points,
        s.passed,
        s.failed + s.errors,
        s.skipped,
        s.not_run,
        report.manifest.duration_ms as f64 / 1000.0
    );
    if !s.bonus_points.is_zero() {
        out += &format!("bonus: {} of the points\n", s.bonus_points);
    }
    if s.flaky > 0 {
        out += &format!(
            "flaky: {} scenario(s) failed, then passed when run again\n",
            s.flaky
        );
    }
    if s.optional_passed + s.optional_failed > 0 {
        out += &format!(
            "optional scenarios (not counted): {} passed, {} did not\n",
            s.optional_passed, s.optional_failed
        );
    }
    out
}

/// The whole report at once (for `--output` files and tests).
pub fn write(report: &RunReport, w: &mut impl Write, style: Style) -> io::Result<()> {
    w.write_all(
        header(
            &report.manifest.suite,
            report.scenarios.len(),
            &report.manifest.target,
            report.manifest.seed,
        )
        .as_bytes(),
    )?;
    w.write_all(b"\n")?;
    for r in &report.scenarios {
        w.write_all(line(r, style).as_bytes())?;
    }
    w.write_all(footer(report, style).as_bytes())
}
