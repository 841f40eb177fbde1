//! A command's failure and the exit code that reports it ([`super::exit`]).

use std::path::PathBuf;

use super::exit;
use crate::client::ClientError;
use crate::server::ServerError;

/// A command failure, with its exit code.
#[derive(Debug, thiserror::Error)]
pub(super) enum CliError {
    /// Talking to the server failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server could not start or failed.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// A local file or folder could not be used.
    #[error("{path}: {source}")]
    Local {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Arguments that parse but cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A lab's reference implementation failed.
    #[error("{0}")]
    Lab(String),
}

impl CliError {
    /// `path` could not be used because of `source`.
    pub(super) fn local(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CliError::Local {
            path: path.into(),
            source,
        }
    }

    /// The exit code that reports this failure.
    pub(super) fn exit_code(&self) -> u8 {
        match self {
            CliError::Client(e) => match e {
                ClientError::Refused { .. } | ClientError::Ended(_) => exit::ERR_REPLY,
                ClientError::Connect { .. } | ClientError::Busy(_) => exit::CONNECT,
                ClientError::Local(_) | ClientError::TooLarge { .. } => exit::LOCAL_FILE,
                ClientError::Closed
                | ClientError::Protocol(_)
                | ClientError::Io(_)
                | ClientError::Timeout(_) => exit::PROTOCOL,
            },
            CliError::Server(e) => match e {
                ServerError::Config(_) => exit::USAGE,
                ServerError::Bind { .. } => exit::CONNECT,
                ServerError::Root { .. } => exit::LOCAL_FILE,
                ServerError::Task(_) => exit::PROTOCOL,
            },
            CliError::Local { .. } => exit::LOCAL_FILE,
            CliError::Usage(_) => exit::USAGE,
            CliError::Lab(_) => exit::PROTOCOL,
        }
    }
}
