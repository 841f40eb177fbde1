//! The HTML report: one self-contained file (styles inline, no script, no font, no image, no
//! link to anything outside), readable offline, from an e-mail or a CI artifact.
//!
//! ```text
//! ┌ Suite title ─────────────────────────────── 40/43 points (93.0%) ┐
//! │ student, target, seed, started, duration, how to run it again    │
//! ├ scenarios: status, id, title, requirements, points ──────────────┤
//! ├ each failure: where, expected/got, bytes, transcript, hint, the  │
//! │ program's output                                                 │
//! └ the program: how it ended, the end of its output ────────────────┘
//! ```
//!
//! Two audiences from one run: the instructor's page shows everything; the student's page is
//! drawn from `report::student::student_view`, where a hidden scenario is a title, a result
//! and a hint. `class` draws the class page of `conformance grade`.

pub mod class;
mod scenario;

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::outcome::RunReport;

/// Who reads the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The student: pass the student's view of the report.
    Student,
    /// The instructor: everything.
    Instructor,
}

/// What the page says besides the report.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The student graded, if the run was one of a class.
    pub student: Option<&'a str>,
    /// Who reads it.
    pub audience: Audience,
    /// The command that runs it again.
    pub rerun: Option<&'a str>,
}

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The styles every page shares.
pub(crate) const STYLE: &str = r#"
:root{--pass:#17703a;--fail:#b42318;--warn:#a15c07;--mute:#5d6670;--line:#d8dde3;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0}
.top{display:flex;justify-content:space-between;gap:24px;align-items:flex-start}.top>div:first-child{flex:1 1 auto;min-width:0}.top>div:last-child{flex:0 0 240px}
.meta code{overflow-wrap:anywhere}
.score{font-size:30px;font-weight:700;text-align:right;white-space:nowrap}.score small{display:block;font-size:14px;font-weight:400;color:var(--mute)}
.bar{height:10px;background:#e8ebef;border-radius:5px;overflow:hidden;margin:6px 0 0;min-width:220px}.bar span{display:block;height:100%;background:var(--pass)}
.meta{color:var(--mute);font-size:13px;margin:6px 0 0}.meta code{color:#1f2328}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600}td.num,th.num{text-align:right;white-space:nowrap}
.st{display:inline-block;min-width:62px;text-align:center;font-size:12px;font-weight:700;border-radius:10px;padding:1px 8px;color:#fff}
.passed{background:var(--pass)}.failed,.error{background:var(--fail)}.not_run,.stopped,.did_not_start,.unreachable{background:var(--warn)}.skipped{background:#8c959f}
.tag{font-size:12px;color:var(--mute);border:1px solid var(--line);border-radius:8px;padding:0 6px;margin-left:4px}
details.failure{border:1px solid var(--line);border-left:4px solid var(--fail);border-radius:6px;margin:12px 0;background:#fff}
details.failure>summary{cursor:pointer;padding:8px 12px;background:var(--bg)}details.failure>div{padding:4px 14px 12px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dl.kv dt{color:var(--mute)}dl.kv dd{margin:0}
pre,code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:8px 10px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:6px 0}
table.tx{width:auto}table.tx td{padding:1px 8px;border:0;font:13px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}table.tx td.dir{color:var(--mute)}
.hint{background:#fff8e6;border:1px solid #f0d58c;border-radius:6px;padding:6px 10px;margin:8px 0}
.note{color:var(--mute);font-size:13px}
.hist{display:flex;align-items:flex-end;gap:6px;height:150px;border-bottom:1px solid var(--line);padding:0 4px}
.hist div{flex:1;display:flex;flex-direction:column;justify-content:flex-end;align-items:center;height:100%;font-size:12px}
.hist b{display:block;width:100%;background:#4a78c2;border-radius:3px 3px 0 0}.hist span{color:var(--mute)}
.hlabels{display:flex;gap:6px;padding:2px 4px;font-size:11px;color:var(--mute)}.hlabels span{flex:1;text-align:center}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:22px}.card span{color:var(--mute);font-size:13px}
.fbar{display:inline-block;height:9px;background:var(--fail);border-radius:4px;vertical-align:middle;margin-right:6px}
"#;

/// The page's opening, up to `<main>`.
pub(crate) fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    )
}

/// The page's end.
pub(crate) const TAIL: &str = "</main>\n</body>\n</html>\n";

/// A status word in its coloured badge; `class` is its snake_case name.
pub(crate) fn badge(class: &str, word: &str) -> String {
    format!("<span class=\"st {class}\">{}</span>", escape(word))
}

/// Writes the report of one run as a page.
pub fn write(report: &RunReport, page: &Page<'_>, w: &mut impl Write) -> io::Result<()> {
    let m = &report.manifest;
    let title = match page.student {
        Some(s) => format!("{s}: {}", m.suite_title),
        None => m.suite_title.clone(),
    };
    let mut out = head(&title);
    out += &summary(report, page);
    if let Some(why) = &report.unreachable {
        let _ = write!(
            out,
            "<h2>The program could not be graded</h2>\n<pre>{}</pre>\n",
            escape(why)
        );
    }
    if let Some(why) = &report.stopped {
        let _ = writeln!(
            out,
            "<p class=\"note\">The run was stopped: {}</p>",
            escape(why)
        );
    }
    out += &scenario::table(report);
    out += &scenario::failures(report);
    if let Some(p) = &report.program {
        out += "<h2>Your program</h2>\n";
        out += &scenario::program(p);
    }
    out += TAIL;
    w.write_all(out.as_bytes())
}

/// The title, the score, the manifest.
fn summary(report: &RunReport, page: &Page<'_>) -> String {
    let m = &report.manifest;
    let s = &report.summary;
    let pct = s.points.percent_of(s.max_points);
    let mut out = String::from("<div class=\"top\"><div>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&m.suite_title));
    let mut facts = Vec::new();
    if let Some(student) = page.student {
        facts.push(format!("student <b>{}</b>", escape(student)));
    }
    facts.push(format!("suite <code>{}</code>", escape(&m.suite)));
    facts.push(format!("seed <code>{}</code>", m.seed));
    facts.push(format!("started {}", escape(&m.started_at)));
    facts.push(format!("{:.1} s", m.duration_ms as f64 / 1000.0));
    facts.push(format!("{} {}", escape(&m.tool), escape(&m.version)));
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", facts.join(" · "));
    let _ = writeln!(
        out,
        "<p class=\"meta\">graded: <code>{}</code> · suite hash <code>{}</code></p>",
        escape(&m.target),
        escape(&m.suite_hash.chars().take(16).collect::<String>())
    );
    if let Some(cmd) = page.rerun {
        let _ = writeln!(
            out,
            "<p class=\"meta\">run it again: <code>{}</code></p>",
            escape(cmd)
        );
    }
    if page.audience == Audience::Instructor && super::student::has_hidden(report) {
        out += "<p class=\"note\">Instructor's report: hidden scenarios are shown in full. Students get student.html.</p>\n";
    }
    let _ = writeln!(
        out,
        "</div><div><div class=\"score\">{} / {} points<small>{pct:.1}% · {} passed, {} failed, {} not run, {} skipped</small></div><div class=\"bar\"><span style=\"width:{:.1}%\"></span></div></div></div>",
        s.points,
        s.max_points,
        s.passed,
        s.failed + s.errors,
        s.not_run,
        s.skipped,
        pct.min(100.0)
    );
    if !s.bonus_points.is_zero() || s.flaky > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">bonus points earned: {} · flaky scenarios (failed, then passed when run again): {}</p>",
            s.bonus_points, s.flaky
        );
    }
    out
}
