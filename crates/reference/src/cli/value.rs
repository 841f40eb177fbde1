//! Typed argument values, parsed by clap as the command line is read: a bad value is a usage
//! error before anything runs.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// A duration given in seconds, fractions allowed (`0.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seconds(pub(super) Duration);

/// Not a number of seconds.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a number of seconds")]
pub(super) struct BadSeconds(String);

impl FromStr for Seconds {
    type Err = BadSeconds;

    fn from_str(s: &str) -> Result<Self, BadSeconds> {
        s.parse::<f64>()
            .ok()
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .map(Seconds)
            .ok_or_else(|| BadSeconds(s.to_owned()))
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

/// A server's address: `IP:PORT`, or `HOST:PORT` resolved when connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServerAddr(String);

/// Not `HOST:PORT`.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not HOST:PORT")]
pub(super) struct BadAddr(String);

impl ServerAddr {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ServerAddr {
    type Err = BadAddr;

    fn from_str(s: &str) -> Result<Self, BadAddr> {
        let host_port = s.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && !host.contains(':') && port.parse::<u16>().is_ok()
        });
        if host_port || s.parse::<SocketAddr>().is_ok() {
            Ok(ServerAddr(s.to_owned()))
        } else {
            Err(BadAddr(s.to_owned()))
        }
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_and_refuse_nonsense() {
        let half: Seconds = "0.5".parse().unwrap();
        assert_eq!(half.0, Duration::from_millis(500));
        assert_eq!(Seconds(Duration::from_secs(300)).to_string(), "300");
        for bad in ["", "x", "-1", "NaN", "inf"] {
            assert!(bad.parse::<Seconds>().is_err(), "{bad}");
        }
    }

    #[test]
    fn server_addresses() {
        for good in [
            "127.0.0.1:1234",
            "localhost:80",
            "[::1]:1234",
            "example.org:0",
        ] {
            assert_eq!(good.parse::<ServerAddr>().unwrap().as_str(), good);
        }
        for bad in ["", "localhost", ":80", "host:port", "::1", "host:99999"] {
            assert!(bad.parse::<ServerAddr>().is_err(), "{bad}");
        }
    }
}
