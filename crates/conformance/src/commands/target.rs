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
        if let Some(lab) = &suite.program.builtin {
            return builtin_lab(args, lab, suite);
        }
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
        _folder: None,
        #[cfg(feature = "builtin")]
        builtin: None,
    })
}

#[cfg(not(feature = "builtin"))]
fn builtin_lab(_: &RunArgs, lab: &str, _: &Suite) -> Result<Chosen, (i32, String)> {
    Err((
        exit::INVALID,
        format!("this build has no built-in `{lab}`; give the program with --spawn"),
    ))
}

/// A lab suite with no program given grades the reference implementation of its lab: this
/// binary, run as `conformance reference-lab NAME {port}`, in an empty folder.
#[cfg(feature = "builtin")]
fn builtin_lab(args: &RunArgs, lab: &str, suite: &Suite) -> Result<Chosen, (i32, String)> {
    let exe = std::env::current_exe()
        .map_err(|e| (exit::INVALID, format!("cannot find this program: {e}")))?;
    let empty = tempfile::tempdir().map_err(|e| (exit::INVALID, e.to_string()))?;
    // Quoted for /bin/sh: a path may hold spaces; a quote inside is closed, escaped, reopened.
    let quoted = exe.display().to_string().replace('\'', "'\\''");
    let command = format!("'{quoted}' reference-lab {lab} {{port}}");
    let mut chosen = program_subject(args, &command, empty.path(), suite)?;
    chosen._folder = Some(empty);
    Ok(chosen)
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
    program_subject(args, command, &args.cwd, suite)
}

fn program_subject(
    args: &RunArgs,
    command: &str,
    cwd: &std::path::Path,
    suite: &Suite,
) -> Result<Chosen, (i32, String)> {
    let mut spec = program::Spec::new(command, cwd);
    for f in &suite.files {
        match &f.symlink {
            Some(to) => spec.links.push((f.path.clone(), to.clone())),
            None => spec.files.push((f.path.clone(), f.content.clone())),
        }
    }
    spec.limits = limits(&args.limits);
    spec.env.extend(args.env.iter().cloned());
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
        _folder: None,
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
            _folder: None,
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
