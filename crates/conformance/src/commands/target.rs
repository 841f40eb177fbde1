//! Which server `run` grades: `--target` checked and resolved, or the built-in one.

use conformance::engine::Target;
use conformance::exit;
use conformance::scenario::Suite;

use super::run::Chosen;
use crate::RunArgs;

/// The target of the run, or the exit code and why there is none.
pub async fn choose(args: &RunArgs, suite: &Suite) -> Result<Chosen, (i32, String)> {
    let Some(t) = &args.target else {
        return builtin(suite).await;
    };
    conformance::target::check_syntax(t).map_err(|why| (exit::INVALID, why))?;
    let addr = conformance::target::resolve(t, args.timeout_scale)
        .await
        .map_err(|why| (exit::UNREACHABLE, why))?;
    Ok(Chosen {
        target: Target {
            addr,
            description: addr.to_string(),
        },
        udp: args.udp,
        #[cfg(feature = "builtin")]
        builtin: None,
    })
}

#[cfg(feature = "builtin")]
async fn builtin(suite: &Suite) -> Result<Chosen, (i32, String)> {
    match conformance::target::BuiltIn::start(suite).await {
        Ok(server) => Ok(Chosen {
            target: Target {
                addr: server.addr(),
                description: format!("{} (built-in reference server)", server.addr()),
            },
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
