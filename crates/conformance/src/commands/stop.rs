//! When a run must stop early: SIGINT (Ctrl-C), SIGTERM (a grading platform's timeout), or
//! `--time-limit`. The run then reports what finished and marks the rest not run.

use std::time::Duration;

/// The signals a run listens for, registered as soon as it starts: a signal that comes before
/// the first scenario is caught too, not left to kill the process without a report.
pub struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    /// Registers the handlers now (inside the runtime).
    pub fn install() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = signal(SignalKind::terminate())
                .and_then(|t| signal(SignalKind::interrupt()).map(|i| (t, i)))
                .ok();
            Stop { signals }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    /// Resolves, with the reason, when the run must stop.
    pub async fn requested(mut self, limit: Option<Duration>) -> String {
        let time_limit = async {
            match limit {
                Some(d) => {
                    tokio::time::sleep(d).await;
                    format!("the time limit of {} passed", humantime::format_duration(d))
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            why = time_limit => why,
            why = self.signal() => why,
        }
    }

    #[cfg(unix)]
    async fn signal(&mut self) -> String {
        let Some((term, int)) = self.signals.as_mut() else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM".to_owned(),
            _ = int.recv() => "SIGINT".to_owned(),
        }
    }

    #[cfg(not(unix))]
    async fn signal(&mut self) -> String {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C".to_owned(),
            Err(_) => std::future::pending().await,
        }
    }
}
