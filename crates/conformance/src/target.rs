//! What gets graded: a server by its address, resolved here, or the built-in reference server
//! (feature `builtin`), in this process, on a free loopback port, serving a temporary folder
//! that holds the suite's files.

use std::net::SocketAddr;

/// Checks that `target` is written HOST:PORT (a name or an address, a port from 1 to 65535)
/// before anything is looked up: a URL, a missing port or a port out of range is a usage error.
pub fn check_syntax(target: &str) -> Result<(), String> {
    let example = "expected HOST:PORT, e.g. 127.0.0.1:1234 or localhost:1234";
    if target.contains("://") || target.contains('/') {
        return Err(format!(
            "`{target}` is not HOST:PORT ({example}; not a URL)"
        ));
    }
    let Some((host, port)) = target.rsplit_once(':') else {
        return Err(format!("`{target}` has no port ({example})"));
    };
    if host.is_empty() {
        return Err(format!("`{target}` has no host ({example})"));
    }
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return Err(format!(
            "`{target}`: write an IPv6 address in brackets, e.g. [::1]:1234"
        ));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!(
            "`{target}`: the port `{port}` is not a number from 1 to 65535"
        )),
    }
}

/// Resolves HOST:PORT. When a name has several addresses, the first that accepts a connection
/// wins: `localhost` often resolves to ::1 first while a student's server listens on IPv4 only.
/// A single address is not touched (a one-client server must keep its one `accept`).
pub async fn resolve(target: &str, scale: f64) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(target)
        .await
        .map_err(|e| {
            format!("cannot resolve `{target}`: {e} (expected HOST:PORT, e.g. 127.0.0.1:1234)")
        })?
        .collect();
    if let [one] = addrs[..] {
        return Ok(one);
    }
    for addr in &addrs {
        let probe = crate::engine::probe(*addr, crate::scenario::ProbeKind::Connect, scale);
        if probe.await.is_ok() {
            return Ok(*addr);
        }
    }
    // None answers: grade the first, so the report says why it is unreachable.
    addrs
        .first()
        .copied()
        .ok_or_else(|| format!("`{target}` resolves to no address"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn target_syntax() {
        for ok in [
            "127.0.0.1:1",
            "localhost:65535",
            "[::1]:80",
            "lab-host:4000",
        ] {
            assert_eq!(super::check_syntax(ok), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("127.0.0.1", "has no port"),
            (":99999", "has no host"),
            ("127.0.0.1:99999", "not a number from 1 to 65535"),
            ("127.0.0.1:0", "not a number from 1 to 65535"),
            ("http://127.0.0.1:80", "not a URL"),
            ("::1:80", "in brackets"),
        ] {
            let e = super::check_syntax(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
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
