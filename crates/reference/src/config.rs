//! Server settings: every limit of spec §9, with the reference defaults, and their check.

use std::path::PathBuf;
use std::time::Duration;

use wire::Limits;

use crate::server::ServerError;

/// The smallest datagram limit a server may have, in octets (UDP-10).
const MIN_DATAGRAM: usize = 1024;
/// The largest line limit a server may set (LIMIT-7).
pub const MAX_LINE_LIMIT: usize = 65536;
/// The largest datagram limit a server may set (UDP-16).
pub const MAX_DATAGRAM_LIMIT: usize = 8192;
/// The reference's bound on one client's outgoing queue, in octets: a burst of 16,000 short
/// `FROM` lines, or 256 of the longest.
const QUEUE_BYTES: usize = 1024 * 1024;
/// The reference's datagram limit (spec §9.1).
const REFERENCE_DATAGRAM: usize = 4096;

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
    /// Octets of messages waiting for one client's socket (each line counts its length, a
    /// `FILE` its header line). A client whose queue overflows because it does not read is
    /// disconnected (CONN-7). One message always fits an empty queue.
    pub queue_bytes: usize,
    /// How long a silent UDP peer stays registered (UDP-13: at least 60 s).
    pub udp_peer_expiry: Duration,
    /// Largest UDP datagram in octets (UDP-10: at least 1024). Larger: ERR 413.
    pub max_datagram: usize,
    /// On shutdown, how long transfers in flight may take to finish before they are cut.
    pub grace_period: Duration,
}

impl Config {
    /// The reference defaults of spec §9.1, serving `root`. The line and upload limits are
    /// `wire`'s [`Limits::default`].
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let limits = Limits::default();
        Config {
            root: root.into(),
            max_line: limits.max_line,
            max_upload: limits.max_payload,
            max_connections: 256,
            idle_timeout: Duration::from_secs(300),
            queue_bytes: QUEUE_BYTES,
            udp_peer_expiry: Duration::from_secs(300),
            max_datagram: REFERENCE_DATAGRAM,
            grace_period: Duration::from_secs(5),
        }
    }

    /// The decoder limits for requests on a TCP connection.
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            max_line: self.max_line,
            max_payload: self.max_upload,
        }
    }

    /// The decoder limits for one datagram.
    pub(crate) fn datagram_limits(&self) -> Limits {
        Limits {
            max_line: self.max_datagram,
            max_payload: self.max_datagram as u64,
        }
    }

    /// Checks every setting against the minimums of spec §9 (line, upload and datagram
    /// sizes), its maximums (line 65536, datagram 8192) and against zero where zero cannot work.
    /// [`crate::server::run`] calls it first.
    pub fn validate(&self) -> Result<(), ServerError> {
        let bad = |what: String| Err(ServerError::Config(what));
        let minimum = Limits::MINIMUM;
        if self.max_line < minimum.max_line {
            return bad(format!(
                "line limit below the {} octets every server accepts (LIMIT-1)",
                minimum.max_line
            ));
        }
        if self.max_line > MAX_LINE_LIMIT {
            return bad(format!(
                "line limit above the {MAX_LINE_LIMIT} octets any server may set (LIMIT-7)"
            ));
        }
        if self.max_upload < minimum.max_payload {
            return bad(format!(
                "upload limit below the {} MiB every server accepts (LIMIT-3)",
                minimum.max_payload / (1024 * 1024)
            ));
        }
        if self.max_connections == 0 {
            return bad("the connection limit must be at least 1".into());
        }
        if self.queue_bytes == 0 {
            return bad("the outgoing queue must hold at least 1 octet".into());
        }
        if self.max_datagram < MIN_DATAGRAM {
            return bad(format!(
                "datagram limit below the {MIN_DATAGRAM} octets every server accepts (UDP-10)"
            ));
        }
        if self.max_datagram > MAX_DATAGRAM_LIMIT {
            return bad(format!(
                "datagram limit above the {MAX_DATAGRAM_LIMIT} octets any server may set (UDP-16)"
            ));
        }
        if self.idle_timeout.is_zero() {
            return bad("the idle limit must be above zero".into());
        }
        if self.udp_peer_expiry.is_zero() {
            return bad("the UDP peer expiry must be above zero".into());
        }
        Ok(())
    }
}
