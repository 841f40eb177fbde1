//! Progress while a suite runs: one line per verdict (stdout for the human report, else
//! stderr), a bar with `N/M` and the running scenarios on a terminal, a line every few seconds
//! during a long wait elsewhere, and the report file kept up to date.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conformance::engine::Observer;
use conformance::outcome::{RunReport, ScenarioReport};
use conformance::report::human;
use conformance::scenario::Scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::output::eprint;
use super::run::Writer;

/// What the user sees while the run goes on.
pub struct Progress {
    /// Verdict lines go to stdout (the human report), else to stderr.
    lines_to_stdout: bool,
    style: human::Style,
    bar: Option<ProgressBar>,
    /// The scenarios started and not yet shown, with when they started.
    running: Arc<Mutex<Vec<(String, Instant)>>>,
    /// Rewritten after each verdict when the report goes to a file.
    file: Option<Writer>,
    /// Lines are for a student: hidden scenarios shown as their title and result.
    for_student: bool,
}

/// Say something at least this often while a scenario is waiting, when there is no bar.
const QUIET_LIMIT: Duration = Duration::from_secs(10);

impl Progress {
    /// Progress for a run of `count` scenarios.
    pub fn new(
        count: usize,
        lines_to_stdout: bool,
        style: human::Style,
        file: Option<Writer>,
        for_student: bool,
    ) -> Progress {
        let bar = std::io::stderr().is_terminal() && !dumb_terminal();
        let bar = bar.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(count as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("[{pos}/{len}] {elapsed:>4} {wide_msg}")
                    .expect("static template"),
            );
            bar.enable_steady_tick(Duration::from_millis(500));
            bar
        });
        Progress {
            lines_to_stdout,
            style,
            bar,
            running: Arc::new(Mutex::new(Vec::new())),
            file,
            for_student,
        }
    }

    /// Without a bar: a task that says which scenario is still running, every [`QUIET_LIMIT`].
    pub fn start_heartbeat(&self) -> Option<tokio::task::JoinHandle<()>> {
        if self.bar.is_some() {
            return None;
        }
        let running = self.running.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(QUIET_LIMIT);
            tick.tick().await;
            loop {
                tick.tick().await;
                let waiting: Vec<String> = lock(&running)
                    .iter()
                    .filter(|(_, since)| since.elapsed() >= QUIET_LIMIT)
                    .map(|(id, since)| format!("{id} ({} s)", since.elapsed().as_secs()))
                    .collect();
                if !waiting.is_empty() {
                    eprint(&format!("  ... still running: {}\n", waiting.join(", ")));
                }
            }
        }))
    }

    /// The report file, once the run is over.
    pub fn into_writer(self) -> Option<Writer> {
        self.file
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn show(&self, line: &str) {
        let write = || {
            if self.lines_to_stdout {
                super::print(line);
            } else {
                eprint(line);
            }
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn update_bar(&self) {
        if let Some(bar) = &self.bar {
            let running: Vec<String> = lock(&self.running)
                .iter()
                .map(|(id, _)| id.clone())
                .collect();
            bar.set_message(running.join(", "));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `TERM=dumb`: no cursor movement.
pub fn dumb_terminal() -> bool {
    std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

impl Observer for Progress {
    fn started(&self, scenario: &Scenario) {
        lock(&self.running).push((scenario.id.clone(), Instant::now()));
        self.update_bar();
    }

    fn finished(&self, report: &ScenarioReport) {
        lock(&self.running).retain(|(id, _)| *id != report.id);
        let line = if self.for_student {
            human::line(
                &conformance::report::student::scenario_view(report),
                self.style,
            )
        } else {
            human::line(report, self.style)
        };
        self.show(&line);
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.update_bar();
    }

    fn partial(&self, so_far: &RunReport) {
        if let Some(file) = &self.file {
            // A failed rewrite keeps the last good report; the final write reports the error.
            let _ = file.write(so_far);
        }
    }
}
