//! A report folder (`conformance run --report-dir DIR`): every format from one run, for the
//! instructor and for the student.
//!
//! ```text
//! DIR/report.html     the instructor's page: everything, hidden scenarios included
//! DIR/student.html    the student's page: hidden scenarios as title, result and hint
//! DIR/report.txt      the terminal report (instructor); DIR/student.txt the student's
//! DIR/report.json     the whole run (instructor)
//! DIR/junit.xml       JUnit (the family of --junit-family)
//! DIR/report.tap      TAP
//! DIR/results.json    Gradescope (each test with its visibility)
//! DIR/classroom.json  GitHub Classroom's autograding result (the student's view)
//! DIR/grade.json      the grade, for `conformance grade`'s gradebook
//! ```
//!
//! Each file is written whole, then renamed into place: a reader never sees half of one.

use std::io::{self, Write};
use std::path::Path;

use super::html::{Audience, Page};
use super::student::student_view;
use super::{classroom, gradescope, html, human, json, junit, tap};
use crate::grade::StudentResult;
use crate::outcome::RunReport;

/// What a report folder says besides the run.
#[derive(Debug, Clone, Copy)]
pub struct Bundle<'a> {
    /// The student graded (a class's roster name), if any.
    pub student: Option<&'a str>,
    /// The JUnit family.
    pub family: junit::Family,
    /// The command that runs it again.
    pub rerun: Option<&'a str>,
    /// Whether the harness started the program (a program that never listened "did not
    /// start"; a target that never answered is "unreachable").
    pub spawned: bool,
}

type Writer<'r> = Box<dyn Fn(&mut dyn Write) -> io::Result<()> + 'r>;

/// Writes every file of the folder `dir` (created if missing).
pub fn write_dir(report: &RunReport, dir: &Path, b: &Bundle<'_>) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let view = student_view(report);
    let plain = human::Style { color: false };
    let student = b.student.unwrap_or_default();
    let mut grade = StudentResult::of(student, report, b.spawned);
    grade.rerun = b.rerun.unwrap_or_default().to_owned();
    let family = b.family;
    let instructor = Page {
        student: b.student,
        audience: Audience::Instructor,
        rerun: b.rerun,
    };
    // The student's page names no folder of the grading machine.
    let for_student = Page {
        audience: Audience::Student,
        rerun: None,
        ..instructor
    };
    let files: Vec<(&str, Writer<'_>)> = vec![
        (
            "report.txt",
            Box::new(|w| human::write(report, &mut { w }, plain)),
        ),
        (
            "student.txt",
            Box::new(|w| human::write(&view, &mut { w }, plain)),
        ),
        ("report.json", Box::new(|w| json::write(report, &mut { w }))),
        (
            "junit.xml",
            Box::new(move |w| junit::write_family(report, &mut { w }, family)),
        ),
        ("report.tap", Box::new(|w| tap::write(report, &mut { w }))),
        (
            "results.json",
            Box::new(|w| gradescope::write(report, &mut { w })),
        ),
        (
            "classroom.json",
            Box::new(|w| classroom::write(&view, &mut { w })),
        ),
        (
            "report.html",
            Box::new(|w| html::write(report, &instructor, &mut { w })),
        ),
        (
            "student.html",
            Box::new(|w| html::write(&view, &for_student, &mut { w })),
        ),
        (
            "grade.json",
            Box::new(|w| {
                serde_json::to_writer_pretty(&mut *w, &grade)?;
                w.write_all(b"\n")
            }),
        ),
    ];
    for (name, write) in files {
        replace(&dir.join(name), |w| write(w))?;
    }
    Ok(())
}

/// Writes `path` whole: into a temporary file beside it, then renamed over it.
pub fn replace(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.partial"));
    let mut file = io::BufWriter::new(std::fs::File::create(&temp)?);
    write(&mut file)?;
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&temp, path)
}
