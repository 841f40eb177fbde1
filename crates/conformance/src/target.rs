//! The built-in target: the reference server, in this process, on a free loopback port, serving
//! a temporary folder that holds the suite's files.

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::files;
use crate::scenario::Suite;

/// A running reference server; [`BuiltIn::stop`] shuts it down and removes its folder.
#[derive(Debug)]
pub struct BuiltIn {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), reference::server::ServerError>>,
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
        let (listener, udp) =
            reference::server::bind(SocketAddr::from(([127, 0, 0, 1], 0)), true).await?;
        let addr = listener.local_addr()?;
        let config = reference::Config::new(root.path());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(reference::server::run(listener, udp, config, async move {
            let _ = stopped.await;
        }));
        Ok(BuiltIn {
            addr,
            stop,
            task,
            _root: root,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
