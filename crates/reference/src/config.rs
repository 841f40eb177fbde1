//! Server settings: every limit of spec §9, with the reference defaults.

use std::path::PathBuf;
use std::time::Duration;

/// Everything a server needs besides its sockets. [`Config::new`] gives the reference defaults
/// (spec §9.1); every field can then be changed.
///
/// ```
/// let mut config = reference::Config::new("/srv/files");
/// config.max_connections = 16;
/// assert_eq!(config.max_line, 4096);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The directory served by `GET` and written by `PUT`. Must exist; paths never leave it.
    pub root: PathBuf,
    /// Longest request line in octets, terminator excluded (LIMIT-1: at least 1024). Longer: ERR
    /// 413, then close.
    pub max_line: usize,
    /// Largest `PUT` payload in octets (LIMIT-3: at least 1 MiB). Larger: ERR 413, then close.
    pub max_upload: u64,
    /// Simultaneous TCP connections (CONN-2: at least 16). Beyond: ERR 503, then close.
    pub max_connections: usize,
    /// Time without an octet from a client before the server says `BYE idle timeout` and closes
    /// (LIMIT-4: at least 30 s). Also bounds how long one write to a client may stall.
    pub idle_timeout: Duration,
    /// Messages waiting for one client's socket. A client whose queue overflows because it does
    /// not read is disconnected (CONN-7).
    pub queue_capacity: usize,
    /// How long a silent UDP peer stays registered (UDP-13: at least 60 s).
    pub udp_peer_expiry: Duration,
    /// Largest UDP datagram in octets (UDP-10: at least 1024). Larger: ERR 413.
    pub max_datagram: usize,
    /// On shutdown, how long transfers in flight may take to finish before they are cut.
    pub grace_period: Duration,
}

impl Config {
    /// The reference defaults of spec §9.1, serving `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Config {
            root: root.into(),
            max_line: 4096,
            max_upload: 256 * 1024 * 1024,
            max_connections: 256,
            idle_timeout: Duration::from_secs(300),
            queue_capacity: 1024,
            udp_peer_expiry: Duration::from_secs(300),
            max_datagram: 4096,
            grace_period: Duration::from_secs(5),
        }
    }

    /// The decoder limits for requests on a TCP connection.
    pub(crate) fn limits(&self) -> wire::Limits {
        wire::Limits {
            max_line: self.max_line,
            max_payload: self.max_upload,
        }
    }
}
