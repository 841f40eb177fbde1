//! What a run grades: a server by its address, or a program the harness starts. Once started,
//! how scenarios reach it, and how the run checks between scenarios that it is still up.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::Mutex;

use super::super::launch::{Instance, ProgramPlan};
use super::super::{CloseWait, Prober, RunOptions, Target};
use crate::outcome::ProgramReport;
use crate::scenario::{Lifecycle, Ready, Role, Suite, Transport};

/// What a run grades.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A server by its address (`--target`, or the built-in server).
    Address(Target),
    /// A program the harness starts (`--spawn`).
    Program(Arc<ProgramPlan>),
}

/// The subject once the run has started.
#[derive(Debug)]
pub(super) struct Started {
    /// Where scenarios connect; `None` for a program started per scenario, or a client.
    pub target: Option<SocketAddr>,
    /// In reports: the address, or the command.
    pub description: String,
    /// Why nothing can run, if that is so.
    pub unreachable: Option<String>,
    /// The instance started once for the run.
    pub shared: Option<Arc<Mutex<Instance>>>,
    /// Its report, when it could not be made ready (it has been stopped).
    pub failed_start: Option<ProgramReport>,
    liveness: Liveness,
    close_wait: CloseWait,
}

/// How the run checks, before a scenario, that the subject is still up.
#[derive(Debug)]
enum Liveness {
    /// A probe of the address.
    Probe(Prober),
    /// The run's program: still running and still listening, read from the kernel.
    Program { port: u16, transport: Transport },
    /// Nothing to check: each scenario starts its own program.
    Nothing,
}

impl Subject {
    /// In reports: the address, or the command.
    pub fn description(&self) -> String {
        match self {
            Subject::Address(t) => t.description.clone(),
            Subject::Program(p) => format!("`{}` (started by the harness)", p.spec.command),
        }
    }

    /// Starts what the run needs: a first probe of an address, or the program when it runs
    /// once for the whole run.
    pub(super) async fn start(&self, suite: &Suite, opts: &RunOptions) -> Started {
        let scale = opts.timeout_scale;
        match self {
            Subject::Address(t) => {
                let prober = Prober::new(t.addr, opts.probe.unwrap_or(suite.probe), scale);
                let unreachable = prober.probe().await.err();
                Started {
                    target: Some(t.addr),
                    description: self.description(),
                    unreachable,
                    shared: None,
                    failed_start: None,
                    liveness: Liveness::Probe(prober),
                    close_wait: CloseWait::new(scale),
                }
            }
            Subject::Program(plan)
                if plan.settings.role == Role::Server
                    && plan.settings.lifecycle == Lifecycle::PerRun =>
            {
                start_shared(plan, self.description(), scale).await
            }
            Subject::Program(_) => Started {
                target: None,
                description: self.description(),
                unreachable: None,
                shared: None,
                failed_start: None,
                liveness: Liveness::Nothing,
                close_wait: CloseWait::new(scale),
            },
        }
    }
}

/// Starts the program for the whole run and waits until it is ready.
async fn start_shared(plan: &ProgramPlan, description: String, scale: f64) -> Started {
    let mut started = Started {
        target: None,
        description,
        unreachable: None,
        shared: None,
        failed_start: None,
        liveness: Liveness::Nothing,
        close_wait: CloseWait::new(scale),
    };
    let port = match plan.server_port() {
        Ok(p) => p,
        Err(e) => {
            started.unreachable = Some(format!("no free port for the program: {e}"));
            return started;
        }
    };
    let mut inst = match plan.start("program", port).await {
        Ok(i) => i,
        Err(why) => {
            started.unreachable = Some(why);
            return started;
        }
    };
    match plan.ready(&mut inst, scale).await {
        Ok(addr) => {
            started.target = Some(addr);
            started.liveness = Liveness::Program {
                port,
                transport: match plan.settings.ready {
                    Ready::Udp => Transport::Udp,
                    Ready::Tcp | Ready::Both => Transport::Tcp,
                },
            };
            started.shared = Some(Arc::new(Mutex::new(inst)));
        }
        Err(why) => {
            started.unreachable = Some(why);
            started.failed_start = Some(inst.finish(plan.grace).await);
        }
    }
    started
}

impl Started {
    /// How long to wait for the program to close a connection the harness has ended.
    pub fn close_wait(&self) -> &CloseWait {
        match &self.liveness {
            Liveness::Probe(p) => &p.close_wait,
            _ => &self.close_wait,
        }
    }

    /// Whether the subject is still up; why not, if it is not.
    pub async fn check(&self) -> Result<(), String> {
        match &self.liveness {
            Liveness::Probe(p) => p.probe().await,
            Liveness::Nothing => Ok(()),
            Liveness::Program { port, transport } => {
                let Some(shared) = &self.shared else {
                    return Ok(());
                };
                let mut inst = shared.lock().await;
                if let Some(exit) = inst.running.exit() {
                    return Err(format!("your program {exit}"));
                }
                if !inst.running.is_listening(*port, *transport) {
                    return Err(format!("your program no longer listens on port {port}"));
                }
                Ok(())
            }
        }
    }

    /// Stops the run's program, if there is one: what it did.
    pub async fn stop(&mut self, plan: Option<&ProgramPlan>) -> Option<ProgramReport> {
        let shared = self.shared.take()?;
        let grace = plan.map_or(std::time::Duration::from_secs(1), |p| p.grace);
        match Arc::try_unwrap(shared) {
            Ok(m) => Some(m.into_inner().finish(grace).await),
            // A scenario task still holds it (the run was stopped): dropping it kills it.
            Err(_) => None,
        }
    }
}
