//! The class page of `conformance grade` (`index.html`): the class at a glance (score
//! histogram, the scenarios that failed most, the submissions that did not start), then the
//! gradebook, each student linking to their own report in the folder beside it.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{TAIL, badge, escape, head};
use crate::grade::summary::BUCKETS;
use crate::grade::{ClassSummary, StudentResult};

/// What the class page says besides the results.
#[derive(Debug, Clone)]
pub struct ClassPage {
    /// The suite's title.
    pub title: String,
    /// Facts for the line under the title: suite, seed, when, isolation, ...
    pub facts: Vec<String>,
}

/// Writes the class page.
pub fn write(
    summary: &ClassSummary,
    results: &[StudentResult],
    page: &ClassPage,
    w: &mut impl Write,
) -> io::Result<()> {
    let mut out = head(&format!("Class results: {}", page.title));
    let _ = write!(
        out,
        "<h1>Class results: {}</h1>\n<p class=\"meta\">{}</p>\n",
        escape(&page.title),
        page.facts
            .iter()
            .map(|f| escape(f))
            .collect::<Vec<_>>()
            .join(" · ")
    );
    out += &cards(summary);
    out += &histogram(summary);
    out += &failed_scenarios(summary);
    out += &trouble(summary);
    out += &gradebook(results);
    out += TAIL;
    w.write_all(out.as_bytes())
}

fn cards(s: &ClassSummary) -> String {
    let mut out = String::from("<div class=\"cards\">\n");
    for (value, label) in [
        (s.students.to_string(), "students"),
        (s.graded.to_string(), "graded"),
        (format!("{:.1}%", s.median), "median score"),
        (format!("{:.1}%", s.mean), "mean score"),
        (s.did_not_start.len().to_string(), "did not start"),
        (s.flaky.len().to_string(), "with flaky scenarios"),
    ] {
        let _ = writeln!(
            out,
            "<div class=\"card\"><b>{value}</b><span>{label}</span></div>"
        );
    }
    out += "</div>\n";
    out
}

fn histogram(s: &ClassSummary) -> String {
    let top = s.histogram.iter().copied().max().unwrap_or(0).max(1);
    let mut out = String::from("<h2>Scores</h2>\n<div class=\"hist\">\n");
    for n in s.histogram {
        let height = n as f64 * 100.0 / top as f64;
        let _ = writeln!(
            out,
            "<div><span>{n}</span><b style=\"height:{height:.1}%\"></b></div>"
        );
    }
    out += "</div>\n<div class=\"hlabels\">";
    for i in 0..BUCKETS {
        let _ = write!(out, "<span>{}</span>", bucket(i));
    }
    out += "</div>\n";
    out
}

/// A bucket's label: `0-10%`, ..., `90%+` (bonus points can take a score past 100%).
fn bucket(i: usize) -> String {
    if i + 1 == BUCKETS {
        format!("{}%+", i * 10)
    } else {
        format!("{}-{}%", i * 10, i * 10 + 10)
    }
}

fn failed_scenarios(s: &ClassSummary) -> String {
    let mut out = String::from("<h2>Scenarios that failed across the class</h2>\n");
    if s.scenarios.is_empty() {
        out += "<p class=\"note\">Every scenario passed for every submission that started.</p>\n";
        return out;
    }
    out += "<p class=\"note\">Counted over the submissions that started.</p>\n<table>\n<tr><th>scenario</th><th>what it checks</th><th class=\"num\">failed</th><th class=\"num\">flaky</th></tr>\n";
    for st in &s.scenarios {
        let width = st.failed * 120 / st.attempted.max(1);
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\"><span class=\"fbar\" style=\"width:{width}px\"></span>{} of {}</td><td class=\"num\">{}</td></tr>",
            escape(&st.id),
            escape(&st.title),
            st.failed,
            st.attempted,
            st.flaky
        );
    }
    out += "</table>\n";
    out
}

fn trouble(s: &ClassSummary) -> String {
    let mut out = String::new();
    for (title, list) in [
        ("Submissions that did not start", &s.did_not_start),
        ("Not fully graded", &s.not_graded),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<h2>{title}</h2>\n<table>\n<tr><th>student</th><th>why</th></tr>\n"
        );
        for (student, why) in list {
            let _ = writeln!(
                out,
                "<tr><td><a href=\"{0}/report.html\">{0}</a></td><td><code>{1}</code></td></tr>",
                escape(student),
                escape(why)
            );
        }
        out += "</table>\n";
    }
    if !s.flaky.is_empty() {
        out += "<h2>Flaky scenarios</h2>\n<p class=\"note\">Failed, then passed when run again.</p>\n<table>\n<tr><th>student</th><th>scenarios</th></tr>\n";
        for (student, ids) in &s.flaky {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td></tr>",
                escape(student),
                escape(&ids.join(", "))
            );
        }
        out += "</table>\n";
    }
    out
}

fn gradebook(results: &[StudentResult]) -> String {
    let mut out = String::from(
        "<h2>Gradebook</h2>\n<table>\n<tr><th>student</th><th>status</th><th class=\"num\">score</th><th class=\"num\">%</th><th class=\"num\">time</th><th>reports</th></tr>\n",
    );
    for r in results {
        let name = escape(&r.student);
        let _ = writeln!(
            out,
            "<tr><td><b>{name}</b></td><td>{}</td><td class=\"num\">{} / {}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1} s</td><td><a href=\"{name}/report.html\">full</a> · <a href=\"{name}/student.html\">student's</a></td></tr>",
            badge(r.status.as_str(), &r.status.as_str().replace('_', " ")),
            r.score,
            r.max,
            r.percent(),
            r.duration_ms as f64 / 1000.0,
        );
    }
    out += "</table>\n<p class=\"note\">To grade a student again with the same seed: the <code>rerun</code> column of gradebook.csv.</p>\n";
    out
}
