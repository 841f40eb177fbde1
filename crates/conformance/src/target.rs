//! What gets graded: a server by its address, resolved here, or the built-in reference server
//! (feature `builtin`), in this process, on a free loopback port, serving a temporary folder
//! that holds the suite's files.

use std::net::SocketAddr;

/// Resolves HOST:PORT, preferring an address that accepts a connection: `localhost` often
/// resolves to ::1 first while a student's server listens on IPv4 only.
pub async fn resolve(target: &str, scale: f64) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(target)
        .await
        .map_err(|e| {
            format!("cannot resolve `{target}`: {e} (expected HOST:PORT, e.g. 127.0.0.1:1234)")
        })?
        .collect();
    for addr in &addrs {
        if crate::engine::probe(*addr, scale).await.is_ok() {
            return Ok(*addr);
        }
    }
    // None answers: grade the first, so the report says why it is unreachable.
    addrs
        .first()
        .copied()
        .ok_or_else(|| format!("`{target}` resolves to no address"))
}

#[cfg(feature = "builtin")]
pub use builtin::{BuiltIn, StartError};

#[cfg(feature = "builtin")]
mod builtin {
    use std::net::SocketAddr;

    use crate::files;
    use crate::scenario::Suite;

    /// A running reference server; [`BuiltIn::stop`] shuts it down and removes its folder.
    #[derive(Debug)]
    pub struct BuiltIn {
        server: reference::server::Handle,
        _root: tempfile::TempDir,
    }

    /// Why the built-in server could not start.
    #[derive(Debug, thiserror::Error)]
    pub enum StartError {
        /// The temporary folder could not be written.
        #[error("cannot prepare its folder: {0}")]
        Folder(#[from] std::io::Error),
        /// The server did not start.
        #[error(transparent)]
        Server(#[from] reference::server::ServerError),
    }

    impl BuiltIn {
        /// Starts the reference server on `127.0.0.1:0`, TCP and UDP, serving `suite`'s files.
        pub async fn start(suite: &Suite) -> Result<BuiltIn, StartError> {
            let root = tempfile::Builder::new()
                .prefix("conformance-root-")
                .tempdir()?;
            files::export(suite, root.path())?;
            let config = reference::Config::new(root.path());
            let server =
                reference::server::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), true, config)
                    .await?;
            Ok(BuiltIn {
                server,
                _root: root,
            })
        }

        /// Where it listens, TCP and UDP.
        pub fn addr(&self) -> SocketAddr {
            self.server.local_addr()
        }

        /// Stops the server and waits for it to finish.
        pub async fn stop(self) {
            // A server that failed while running has nothing left to stop.
            let _ = self.server.shutdown().await;
        }
    }
}
