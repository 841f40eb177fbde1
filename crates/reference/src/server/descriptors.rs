//! The descriptor budget: a server must be able to accept every connection it admits and open
//! every file those connections ask for. At start, the soft limit on open files is raised to the
//! hard one; if the connection limit still does not fit, it is lowered to what does, with a
//! warning (spec §11).

use tracing::{info, warn};

use crate::config::Config;

/// Descriptors one connection may hold at once: its socket, an upload's temporary file, and
/// the files its pipelined `GET`s have open.
const PER_CONNECTION: u64 = 2 + super::connection::FILES_IN_FLIGHT as u64;
/// Descriptors kept for the listener, the UDP socket, logging and the runtime.
const RESERVE: u64 = 64;

/// `config`, with the connection limit lowered if the descriptors allowed cannot serve it.
pub(crate) fn fit(mut config: Config) -> Config {
    let Some(allowed) = raise_limit() else {
        return config;
    };
    let fits = allowed.saturating_sub(RESERVE) / PER_CONNECTION;
    let fits = usize::try_from(fits).unwrap_or(usize::MAX).max(1);
    if config.max_connections > fits {
        warn!(
            open_files = allowed,
            asked = config.max_connections,
            serving = fits,
            "too few file descriptors for the connection limit: lowering it"
        );
        config.max_connections = fits;
    }
    config
}

/// Raises the soft limit on open files to the hard one; the limit now in force.
#[cfg(unix)]
fn raise_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum;
    if limit.current != hard
        && setrlimit(
            Resource::Nofile,
            rustix::process::Rlimit {
                current: hard,
                maximum: hard,
            },
        )
        .is_ok()
    {
        info!(open_files = ?hard, "raised the limit on open files");
        limit.current = hard;
    }
    // `None`: unlimited.
    Some(limit.current.unwrap_or(u64::MAX))
}

#[cfg(not(unix))]
fn raise_limit() -> Option<u64> {
    None
}
