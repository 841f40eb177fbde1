//! Which server `run` grades: `--target` checked and resolved, or the built-in one.

use std::sync::Arc;
use std::time::Duration;

use conformance::engine::{ProgramPlan, Subject, Target};
use conformance::scenario::{Ready, Suite};
use conformance::{exit, program};

use super::run::Chosen;
use crate::{LimitArgs, RunArgs};

/// The target of the run, or the exit code and why there is none.
pub async fn choose(args: &RunArgs, suite: &Suite) -> Result<Chosen, (i32, String)> {
    if let Some(command) = &args.spawn {
        return spawned(args, command, suite);
    }
    let Some(t) = &args.target else {
        return builtin(suite).await;
    };
    conformance::target::check_syntax(t).map_err(|why| (exit::INVALID, why))?;
    let addr = conformance::target::resolve(t, args.timeout_scale)
        .await
        .map_err(|why| (exit::UNREACHABLE, why))?;
    Ok(Chosen {
        subject: Subject::Address(Target {
            addr,
            description: addr.to_string(),
        }),
        udp: args.udp,
        #[cfg(feature = "builtin")]
        builtin: None,
    })
}

/// A program the harness starts: its folder must exist; the suite's files go beside it.
fn spawned(args: &RunArgs, command: &str, suite: &Suite) -> Result<Chosen, (i32, String)> {
    if !args.cwd.is_dir() {
        return Err((
            exit::INVALID,
            format!("--cwd {}: no such folder", args.cwd.display()),
        ));
    }
    program::Workdir::check_source(&args.cwd).map_err(|e| (exit::INVALID, e.to_string()))?;
    let mut spec = program::Spec::new(command, &args.cwd);
    for f in &suite.files {
        match &f.symlink {
            Some(to) => spec.links.push((f.path.clone(), to.clone())),
            None => spec.files.push((f.path.clone(), f.content.clone())),
        }
    }
    spec.limits = limits(&args.limits);
    let mut settings = suite.program.clone();
    if args.udp && settings.ready == Ready::Tcp {
        settings.ready = Ready::Both;
    }
    let plan = ProgramPlan {
        spec,
        fixed_port: args.port,
        settings,
        grace: Duration::from_secs(2),
    };
    Ok(Chosen {
        subject: Subject::Program(Arc::new(plan)),
        udp: args.udp || suite.program.ready != Ready::Tcp,
        #[cfg(feature = "builtin")]
        builtin: None,
    })
}

fn limits(args: &LimitArgs) -> program::Limits {
    let mut l = program::Limits::default();
    const MIB: u64 = 1024 * 1024;
    if let Some(v) = args.cpu_limit {
        l.cpu_seconds = v;
    }
    if let Some(v) = args.memory_limit {
        l.memory_bytes = v * MIB;
    }
    if let Some(v) = args.file_size_limit {
        l.file_size_bytes = v * MIB;
    }
    if let Some(v) = args.process_limit {
        l.processes = v;
    }
    if let Some(v) = args.open_files_limit {
        l.open_files = v;
    }
    if let Some(v) = args.wall_clock_limit {
        l.wall_clock = v;
    }
    l
}

#[cfg(feature = "builtin")]
async fn builtin(suite: &Suite) -> Result<Chosen, (i32, String)> {
    match conformance::target::BuiltIn::start(suite).await {
        Ok(server) => Ok(Chosen {
            subject: Subject::Address(Target {
                addr: server.addr(),
                description: format!("{} (built-in reference server)", server.addr()),
            }),
            udp: true,
            builtin: Some(server),
        }),
        Err(e) => Err((
            exit::INVALID,
            format!("cannot start the built-in server: {e}"),
        )),
    }
}

#[cfg(not(feature = "builtin"))]
async fn builtin(_: &Suite) -> Result<Chosen, (i32, String)> {
    Err((
        exit::INVALID,
        "this build has no built-in server; pass --target HOST:PORT".to_owned(),
    ))
}
