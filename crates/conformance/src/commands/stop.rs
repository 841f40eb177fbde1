//! When a run must stop early: SIGINT (Ctrl-C), SIGTERM (a grading platform's timeout), or
//! `--time-limit`. The run then reports what finished and marks the rest not run.

use std::time::Duration;

/// Resolves, with the reason, when the run must stop.
pub async fn requested(limit: Option<Duration>) -> String {
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
        why = signal() => why,
    }
}

#[cfg(unix)]
async fn signal() -> String {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM".to_owned(),
        _ = int.recv() => "SIGINT".to_owned(),
    }
}

#[cfg(not(unix))]
async fn signal() -> String {
    match tokio::signal::ctrl_c().await {
        Ok(()) => "Ctrl-C".to_owned(),
        Err(_) => std::future::pending().await,
    }
}
