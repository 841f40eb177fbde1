//! Starting the program under test for a run or a scenario: its working folder, its port, the
//! spawn, and readiness read from the kernel (never a connection); then, when it is stopped,
//! what it did, for the report.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use crate::outcome::{OutputExcerpt, ProgramReport};
use crate::program::{self, Captured, NotReady, Running, Workdir};
use crate::scenario::{ProgramSettings, Ready, Transport};

/// How the harness starts the program under test (`--spawn`).
#[derive(Debug, Clone)]
pub struct ProgramPlan {
    /// The command, folder, files, environment and limits.
    pub spec: program::Spec,
    /// The port a program that hard-codes it listens on (`--port`); a free one otherwise.
    pub fixed_port: Option<u16>,
    /// The suite's settings: role, lifecycle, readiness.
    pub settings: ProgramSettings,
    /// Between SIGTERM and SIGKILL when it is stopped.
    pub grace: Duration,
}

/// An instance of the program, running.
#[derive(Debug)]
pub struct Instance {
    /// `program`, or the name a scenario started it with.
    pub name: String,
    /// The command, `{port}` replaced.
    pub command: String,
    /// The processes.
    pub running: Running,
    /// Its working folder (removed when the instance is dropped).
    pub workdir: Workdir,
    /// The port it was given.
    pub port: u16,
}

impl ProgramPlan {
    /// The port a server instance is given: the fixed one, or a free one (free for UDP too when
    /// it must be ready on UDP).
    pub fn server_port(&self) -> std::io::Result<u16> {
        match self.fixed_port {
            Some(p) => Ok(p),
            None => program::free_port(self.settings.ready != Ready::Tcp),
        }
    }

    /// Starts an instance named `name`, given `port`.
    pub async fn start(&self, name: &str, port: u16) -> Result<Instance, String> {
        let workdir = Workdir::prepare(&self.spec)
            .map_err(|e| format!("cannot prepare the program's working folder: {e}"))?;
        let spec = self.spec_with_suite_env();
        let running = program::spawn(&spec, port, &workdir)
            .await
            .map_err(|e| format!("cannot start `{}`: {e}", self.spec.command))?;
        Ok(Instance {
            name: name.to_owned(),
            command: self.spec.command.replace("{port}", &port.to_string()),
            running,
            workdir,
            port,
        })
    }

    /// The spec with the suite's `program: env:` under it: the spec's own variables (`--env`)
    /// come last, so they win.
    fn spec_with_suite_env(&self) -> std::borrow::Cow<'_, program::Spec> {
        if self.settings.env.is_empty() {
            return std::borrow::Cow::Borrowed(&self.spec);
        }
        let mut spec = self.spec.clone();
        spec.env = self.settings.env.clone();
        spec.env.extend(self.spec.env.iter().cloned());
        std::borrow::Cow::Owned(spec)
    }

    /// Waits until a server instance has its port open as the suite says; the address to reach
    /// it at, or why not in words a student can act on.
    pub async fn ready(&self, inst: &mut Instance, scale: f64) -> Result<SocketAddr, String> {
        let deadline = Instant::now() + self.settings.ready_timeout.mul_f64(scale);
        let port = inst.port;
        let transports: &[Transport] = match self.settings.ready {
            Ready::Tcp => &[Transport::Tcp],
            Ready::Udp => &[Transport::Udp],
            Ready::Both => &[Transport::Tcp, Transport::Udp],
        };
        let mut addr = None;
        for t in transports {
            match inst.running.wait_ready(port, *t, deadline).await {
                Ok(a) => addr = addr.or(Some(a)),
                Err(e) => return Err(not_ready(&e, port, self)),
            }
        }
        addr.ok_or_else(|| "the suite names no transport to wait for".to_owned())
    }

    /// What the suite waits for, in words.
    pub fn ready_words(&self) -> &'static str {
        match self.settings.ready {
            Ready::Tcp => "TCP",
            Ready::Udp => "UDP",
            Ready::Both => "TCP and UDP",
        }
    }
}

fn not_ready(e: &NotReady, port: u16, plan: &ProgramPlan) -> String {
    match e {
        NotReady::Exited(exit) => {
            format!("your program {exit} before it listened on port {port}")
        }
        NotReady::ListensElsewhere(places) => {
            let places: Vec<String> = places
                .iter()
                .map(|(t, a)| format!("{t:?} {a}").to_uppercase())
                .collect();
            let hint = if plan.fixed_port.is_none() {
                ": take the port from the command line (`{port}` in the command)"
            } else {
                ""
            };
            format!(
                "your program listens on {}, not on port {port}{hint}",
                places.join(", ")
            )
        }
        NotReady::Timeout => format!(
            "your program did not listen on port {port} ({}) within {:.1} s",
            plan.ready_words(),
            plan.settings.ready_timeout.as_secs_f64()
        ),
    }
}

impl Instance {
    /// Stops it and says what it did.
    pub async fn finish(self, grace: Duration) -> ProgramReport {
        let Instance {
            name,
            command,
            mut running,
            ..
        } = self;
        // A program whose output has ended is exiting: its status follows in a moment, and
        // whether it ended by itself must not depend on that moment.
        if running.stdout().is_closed() && running.stderr().is_closed() {
            let _ = running
                .wait_exit(Instant::now() + Duration::from_millis(500))
                .await;
        }
        let exited_by_itself = running.exit().is_some();
        let finished = running.stop(grace).await;
        ProgramReport {
            name,
            command,
            exit: finished.exit.to_string(),
            exited_by_itself,
            stdout: excerpt(&finished.stdout),
            stderr: excerpt(&finished.stderr),
        }
    }
}

/// A stream's capture, as the report keeps it.
fn excerpt(c: &Captured) -> OutputExcerpt {
    OutputExcerpt {
        head: c.head.clone(),
        tail: c.tail.clone(),
        omitted: c.omitted,
        total: c.total,
    }
}
