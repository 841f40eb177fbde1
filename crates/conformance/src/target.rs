//! The built-in target: the reference server, in this process, on a free loopback port, serving
//! a temporary folder that holds the suite's files.

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
    #[error("cannot prepare its folder: {0}")]
    Folder(#[from] std::io::Error),
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
            reference::server::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), true, config).await?;
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
