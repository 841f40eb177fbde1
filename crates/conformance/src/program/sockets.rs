//! Which ports the program listens on, read from the kernel's socket tables: never by
//! connecting, so a server that accepts one client keeps that accept for the grader.
//!
//! `/proc/PID/net/{tcp,tcp6,udp,udp6}` list every socket of the network namespace with its
//! local address, state and inode; `/proc/PID/fd/*` links to `socket:[INODE]` say whose it is.

use std::collections::HashSet;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::Transport;
use super::procs::Proc;

/// `TCP_LISTEN` in `/proc/net/tcp*`.
const LISTEN: &str = "0A";

/// The TCP sockets in LISTEN and the bound UDP sockets of `members`, by local address: IPv4
/// first, each once.
pub(crate) fn bound(members: &[Proc]) -> Vec<(Transport, SocketAddr)> {
    let live: Vec<&Proc> = members.iter().filter(|p| p.is_live()).collect();
    let Some(first) = live.first() else {
        return Vec::new();
    };
    let inodes = socket_inodes(&live);
    if inodes.is_empty() {
        return Vec::new();
    }
    let tables = [
        (Transport::Tcp, "tcp"),
        (Transport::Tcp, "tcp6"),
        (Transport::Udp, "udp"),
        (Transport::Udp, "udp6"),
    ];
    let mut found = Vec::new();
    for (transport, name) in tables {
        let Ok(text) = fs::read_to_string(format!("/proc/{}/net/{name}", first.pid)) else {
            continue;
        };
        for (addr, state, inode) in text.lines().skip(1).filter_map(parse_line) {
            let counts = transport == Transport::Udp || state == LISTEN;
            if counts && inodes.contains(&inode) && !found.contains(&(transport, addr)) {
                found.push((transport, addr));
            }
        }
    }
    found
}

/// The inodes of the sockets the processes hold.
fn socket_inodes(procs: &[&Proc]) -> HashSet<u64> {
    let mut inodes = HashSet::new();
    for p in procs {
        let Ok(fds) = fs::read_dir(format!("/proc/{}/fd", p.pid)) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(target) = fs::read_link(fd.path()) else {
                continue;
            };
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|n| n.parse().ok())
            {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

/// `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...`
fn parse_line(line: &str) -> Option<(SocketAddr, &str, u64)> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (addr, port) = fields.get(1)?.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = parse_ip(addr)?;
    Some((
        SocketAddr::new(ip, port),
        fields.get(3)?,
        fields.get(9)?.parse().ok()?,
    ))
}

/// The kernel prints an address as 32-bit words in the machine's byte order.
fn parse_ip(hex: &str) -> Option<IpAddr> {
    let word = |i: usize| -> Option<[u8; 4]> {
        let text = hex.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(text, 16).ok()?.to_ne_bytes())
    };
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(word(0)?))),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// Where a client reaches a socket bound to `addr`: loopback for a wildcard (`127.0.0.1` for
/// `0.0.0.0` and for a dual-stack `::`, `[::1]` for an IPv6-only `::`), the address itself
/// otherwise (`127.0.0.2` stays `127.0.0.2`: `127.0.0.1` would not reach it).
pub(crate) fn connect_addr(transport: Transport, addr: SocketAddr) -> SocketAddr {
    let port = addr.port();
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() && takes_ipv4(transport, port) => {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        other => other,
    };
    SocketAddr::new(ip, port)
}

/// Whether a socket bound to `[::]:port` also takes IPv4 (`IPV6_V6ONLY` off): the socket
/// tables do not say, so the harness binds a socket of its own to `127.0.0.1:port`, without
/// listening, connecting or sending, and closes it at once. A dual-stack socket makes that bind
/// fail with `EADDRINUSE`. In doubt, no: `[::1]` reaches `[::]` either way.
fn takes_ipv4(transport: Transport, port: u16) -> bool {
    use rustix::net::{AddressFamily, SocketType, bind, socket};
    let kind = match transport {
        Transport::Tcp => SocketType::STREAM,
        Transport::Udp => SocketType::DGRAM,
    };
    let Ok(probe) = socket(AddressFamily::INET, kind, None) else {
        return false;
    };
    let here = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    bind(&probe, &here) == Err(rustix::io::Errno::ADDRINUSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_table_lines() {
        let v4 = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0";
        let (addr, state, inode) = parse_line(v4).expect("parses");
        assert_eq!(
            (addr, state, inode),
            ("127.0.0.1:8080".parse().expect("addr"), "0A", 12345)
        );
        let v6 = "   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1";
        let (addr, _, _) = parse_line(v6).expect("parses");
        assert_eq!(addr, "[::1]:80".parse().expect("addr"));
        assert_eq!(parse_line("  sl  local_address rem_address"), None);
    }

    #[test]
    fn where_to_connect() {
        let at = |s: &str| connect_addr(Transport::Tcp, s.parse().expect("addr")).to_string();
        assert_eq!(at("0.0.0.0:9"), "127.0.0.1:9");
        assert_eq!(at("127.0.0.2:9"), "127.0.0.2:9");
        assert_eq!(at("[::1]:9"), "[::1]:9");
        assert_eq!(at("[::ffff:127.0.0.1]:9"), "127.0.0.1:9");
        assert_eq!(at("10.1.2.3:9"), "10.1.2.3:9");
    }
}
