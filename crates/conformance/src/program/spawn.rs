//! Starting the program: `/bin/sh -c` through a gate where the limits are set.
//!
//! The first process runs `kill -STOP $$; exec /bin/sh -c "$1"` with the student's command as
//! `$1`: it stops itself before anything of the student's runs. The harness waits until
//! `/proc/PID/stat` says it is stopped, sets its rlimits with `prlimit`, then sends SIGCONT; the
//! shell execs the command. No code of the student's runs without the limits, and the harness
//! never needs `pre_exec`.
//!
//! A simple command (`python3 server.py {port}`) is run as `exec python3 server.py 8080`:
//! dash, unlike bash, forks for the last command of `sh -c`, and then the first process would
//! be a shell whose status hides the student's (`exited with status 152` instead of `killed by
//! SIGXCPU`), and which SIGTERM kills before the program can exit cleanly. A command that is
//! not simple (`cd src && python3 server.py`) keeps its shell: its status is the shell's.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::unix::pipe;
use tokio::time::{Instant, sleep};

use super::output::Output;
use super::procs::{Family, Proc, read_stat};
use super::running::{Parts, Running};
use super::watchdog::{Shared, Watchdog};
use super::{RUN_TOKEN_VAR, Spec, Workdir, limits};

/// The first process's script: stop, then run the command given as `$1`.
const GATE: &str = "kill -STOP $$; exec /bin/sh -c \"$1\"";

/// How long the shell may take to reach its gate.
const GATE_PATIENCE: Duration = Duration::from_secs(5);

/// Why the program could not be started. The program was not run (or was killed at once).
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// Not Linux.
    #[error("starting a program under test is only supported on Linux")]
    Unsupported,
    /// `PR_SET_CHILD_SUBREAPER` failed.
    #[error("could not make the harness a child subreaper: {0}")]
    Subreaper(#[source] io::Error),
    /// `/bin/sh` could not be started.
    #[error("could not start /bin/sh in {folder}: {source}")]
    Start {
        /// The working folder.
        folder: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The shell did not stop at its gate.
    #[error("the program's shell did not reach its start gate: {0}")]
    Gate(&'static str),
    /// `prlimit` failed.
    #[error("could not set the program's limits: {0}")]
    Limits(#[source] io::Error),
    /// Pipes or the watchdog thread could not be set up.
    #[error("could not set up the program's pipes or watchdog: {0}")]
    Setup(#[source] io::Error),
}

/// Starts `spec.command` with `{port}` replaced, in `workdir`, with `PORT` set, its own
/// process group, stdin piped, stdout and stderr captured, and the limits applied.
pub async fn spawn(spec: &Spec, port: u16, workdir: &Workdir) -> Result<Running, SpawnError> {
    if !cfg!(target_os = "linux") {
        return Err(SpawnError::Unsupported);
    }
    become_subreaper().map_err(SpawnError::Subreaper)?;
    let token = new_token();
    let child = command(spec, port, workdir, &token)
        .spawn()
        .map_err(|source| SpawnError::Start {
            folder: workdir.path().display().to_string(),
            source,
        })?;
    let started = std::time::Instant::now();
    // Killed and reaped if this future is dropped, or fails, before the program runs.
    let mut unstarted = Unstarted(Some(child));
    let lost = || SpawnError::Gate("the shell was lost");
    let parts = prepare(
        unstarted.0.as_mut().ok_or_else(lost)?,
        spec,
        &token,
        started,
    )
    .await?;
    let child = unstarted.0.take().ok_or_else(lost)?;
    Ok(Running::new(child, parts))
}

/// The shell while it waits at its gate.
struct Unstarted(Option<Child>);

impl Drop for Unstarted {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn command(spec: &Spec, port: u16, workdir: &Workdir, token: &str) -> Command {
    let mut command = Command::new("/bin/sh");
    command
        .args(["-c", GATE, "socket-lab"])
        .arg(exec_prefixed(
            &spec.command.replace("{port}", &port.to_string()),
        ))
        .current_dir(workdir.path())
        .env("PORT", port.to_string())
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .env(RUN_TOKEN_VAR, token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    command
}

/// `exec COMMAND` when that means the same as `COMMAND`: one simple command whose first word is
/// a program (not an assignment, a keyword or a builtin that only a shell has). In doubt (any
/// list, pipe, subshell or group character, even quoted), the command as it is.
fn exec_prefixed(command: &str) -> String {
    const SHELL_ONLY: [&str; 30] = [
        "cd", ".", ":", "source", "export", "unset", "set", "ulimit", "umask", "alias", "unalias",
        "eval", "exec", "exit", "return", "shift", "trap", "wait", "read", "readonly", "local",
        "getopts", "hash", "type", "command", "times", "break", "continue", "jobs", "fg",
    ];
    const KEYWORDS: [&str; 9] = [
        "if", "for", "while", "until", "case", "!", "{", "(", "function",
    ];
    let Some(first) = command.split_whitespace().next() else {
        return command.to_string();
    };
    let list = command.contains([';', '&', '|', '(', ')', '\n', '`']);
    let assignment = first.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if list || assignment || SHELL_ONLY.contains(&first) || KEYWORDS.contains(&first) {
        command.to_string()
    } else {
        format!("exec {command}")
    }
}

/// From the stopped shell to a running program: limits, pipes, watchdog, then SIGCONT.
async fn prepare(
    child: &mut Child,
    spec: &Spec,
    token: &str,
    started: std::time::Instant,
) -> Result<Parts, SpawnError> {
    let root = at_gate(child.id()).await?;
    limits::apply(child.id(), &spec.limits).map_err(SpawnError::Limits)?;
    let setup = |e: io::Error| SpawnError::Setup(e);
    let missing = || SpawnError::Setup(io::Error::other("a pipe is missing"));
    let stdin = pipe::Sender::from_owned_fd(child.stdin.take().ok_or_else(missing)?.into())
        .map_err(setup)?;
    let stdout = pipe::Receiver::from_owned_fd(child.stdout.take().ok_or_else(missing)?.into())
        .map_err(setup)?;
    let stderr = pipe::Receiver::from_owned_fd(child.stderr.take().ok_or_else(missing)?.into())
        .map_err(setup)?;
    let shared = Arc::new(Shared::new(Family::new(root, token)));
    let watchdog = Watchdog::start(Arc::clone(&shared), &spec.limits, started).map_err(setup)?;
    let (stdout, out_task) = Output::drain(stdout, spec.limits.output_bytes);
    let (stderr, err_task) = Output::drain(stderr, spec.limits.output_bytes);
    resume(root.pid).map_err(setup)?;
    Ok(Parts {
        stdin,
        stdout,
        stderr,
        readers: vec![out_task, err_task],
        shared,
        watchdog,
        limits: spec.limits.clone(),
    })
}

/// Waits until the shell has stopped itself; its `/proc` line then.
async fn at_gate(pid: u32) -> Result<Proc, SpawnError> {
    let pid = i32::try_from(pid).map_err(|_| SpawnError::Gate("its pid is out of range"))?;
    let deadline = Instant::now() + GATE_PATIENCE;
    loop {
        match read_stat(pid) {
            Some(p) if matches!(p.state, b'T' | b't') => return Ok(p),
            Some(p) if p.is_live() => {}
            _ => return Err(SpawnError::Gate("it exited")),
        }
        if Instant::now() >= deadline {
            return Err(SpawnError::Gate("it did not stop within 5 s"));
        }
        sleep(Duration::from_millis(1)).await;
    }
}

#[cfg(target_os = "linux")]
fn become_subreaper() -> io::Result<()> {
    use rustix::process::{getpid, set_child_subreaper};
    set_child_subreaper(Some(getpid())).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn become_subreaper() -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

fn resume(pid: i32) -> io::Result<()> {
    use rustix::process::{Pid, Signal, kill_process};
    let pid = Pid::from_raw(pid).ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    kill_process(pid, Signal::CONT).map_err(io::Error::from)
}

/// A token no other run of any harness on this machine has: pid, a counter, the time.
fn new_token() -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n}-{nanos}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::exec_prefixed;

    #[test]
    fn only_a_simple_command_is_execed() {
        let table = [
            ("python3 server.py 8080", "exec python3 server.py 8080"),
            (
                "python3 server.py > log.txt",
                "exec python3 server.py > log.txt",
            ),
            (
                "python3 server.py \"$PORT\"",
                "exec python3 server.py \"$PORT\"",
            ),
            ("cd src && python3 server.py", "cd src && python3 server.py"),
            ("python3 a.py; python3 b.py", "python3 a.py; python3 b.py"),
            (
                "python3 -c 'import a; a.run()'",
                "python3 -c 'import a; a.run()'",
            ),
            ("PORT=1 python3 server.py", "PORT=1 python3 server.py"),
            ("exec python3 server.py", "exec python3 server.py"),
            ("while true; do :; done", "while true; do :; done"),
            ("", ""),
        ];
        for (command, run) in table {
            assert_eq!(exec_prefixed(command), run, "{command}");
        }
    }
}
