//! Progress while a class is graded: on a terminal a bar with students done / total, the
//! failures so far and who is being graded; a line per student as each finishes.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use conformance::grade::{StudentResult, StudentStatus};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::super::output::eprint;
use super::super::progress::dumb_terminal;

/// What the instructor sees while the class is graded.
pub struct ClassProgress {
    bar: Option<ProgressBar>,
    state: Mutex<State>,
}

struct State {
    total: usize,
    done: usize,
    failures: usize,
    running: Vec<String>,
}

impl ClassProgress {
    /// Progress over `total` students.
    pub fn new(total: usize) -> ClassProgress {
        let bar = (std::io::stderr().is_terminal() && !dumb_terminal()).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("[{pos}/{len}] {elapsed:>4} {wide_msg}")
                    .expect("static template"),
            );
            bar.enable_steady_tick(Duration::from_millis(500));
            bar
        });
        ClassProgress {
            bar,
            state: Mutex::new(State {
                total,
                done: 0,
                failures: 0,
                running: Vec::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A student's grading starts.
    pub fn started(&self, student: &str) {
        let mut s = self.state();
        s.running.push(student.to_owned());
        self.redraw(&s);
    }

    /// A student is graded.
    pub fn finished(&self, r: &StudentResult) {
        let mut s = self.state();
        s.running.retain(|n| *n != r.student);
        s.done += 1;
        if r.status != StudentStatus::Passed {
            s.failures += 1;
        }
        let line = format!(
            "  [{}/{}] {:<20} {:>7}/{:<7} {:<14} {:.1} s\n",
            s.done,
            s.total,
            r.student,
            r.score.to_string(),
            r.max.to_string(),
            r.status.as_str(),
            r.duration_ms as f64 / 1000.0
        );
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| eprint(&line));
                bar.inc(1);
            }
            None => eprint(&line),
        }
        self.redraw(&s);
    }

    fn redraw(&self, s: &State) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{} not passed so far · grading {}",
                s.failures,
                s.running.join(", ")
            ));
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
