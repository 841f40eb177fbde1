//! Each submission in a network namespace of its own (Linux): only loopback, up, so every
//! student's hard-coded port 65432 is free in each, parallel grading needs no change to any
//! program, and no program reaches any network.
//!
//! ```text
//! unshare --net -- sh -c 'ip link set lo up && ip addr add 192.168.1.4/32 dev lo && exec "$0" "$@"' \
//!     conformance run --spawn '...' --report-dir out/alice ...
//! ```
//!
//! The whole `conformance run` goes in, so the harness reads the namespace's socket tables and
//! connects over its loopback. Addresses a program binds because the lab text said so (the
//! machine's host name's, `192.168.1.4`) are added to that loopback: `bind` succeeds and the
//! harness reaches the program there. Creating a namespace needs `CAP_SYS_ADMIN` (root) or
//! unprivileged user namespaces; [`probe`] tries it once, and says why not when it cannot.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

/// How submissions are kept apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// A network namespace per submission.
    Namespaces,
    /// None: programs share the machine's network. `why` says why namespaces are not used.
    Shared {
        /// Why not namespaces.
        why: String,
    },
}

/// Tries `unshare --net -- ip link set lo up` (with a deadline): namespaces work when it does.
pub async fn probe() -> Isolation {
    let run = tokio::process::Command::new("unshare")
        .args(["--net", "--", "ip", "link", "set", "lo", "up"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    let why = match tokio::time::timeout(Duration::from_secs(10), run).await {
        Ok(Ok(out)) if out.status.success() => return Isolation::Namespaces,
        Ok(Ok(out)) => format!(
            "`unshare --net` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Ok(Err(e)) => format!("cannot run `unshare` (util-linux) and `ip` (iproute2): {e}"),
        Err(_) => "`unshare --net` did not finish within 10 s".to_owned(),
    };
    Isolation::Shared { why }
}

/// The addresses the machine's host name resolves to, loopback ones left out (the namespace's
/// loopback has 127.0.0.0/8 and ::1 already): a program that binds `socket.gethostname()`
/// binds one of these. Resolved with a deadline; none if the name does not resolve in time.
pub fn host_addresses() -> Vec<IpAddr> {
    let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") else {
        return Vec::new();
    };
    let name = name.trim().to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let found: Vec<IpAddr> = (name.as_str(), 0)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .unwrap_or_default();
        let _ = tx.send(found);
    });
    let mut found = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    found.retain(|ip| !ip.is_loopback() && !ip.is_unspecified());
    found.sort();
    found.dedup();
    found
}

/// The command line that runs `argv` in a new network namespace with loopback up and
/// `addresses` on it.
pub fn wrap(argv: &[String], addresses: &[IpAddr]) -> Vec<String> {
    let mut script = "ip link set lo up".to_owned();
    for ip in addresses.iter().filter(|ip| !ip.is_loopback()) {
        let prefix = if ip.is_ipv4() { 32 } else { 128 };
        script += &format!(" && ip addr add {ip}/{prefix} dev lo");
    }
    script += " && exec \"$0\" \"$@\"";
    let mut out: Vec<String> = ["unshare", "--net", "--", "sh", "-c"]
        .map(str::to_owned)
        .to_vec();
    out.push(script);
    out.extend(argv.iter().cloned());
    out
}

/// TCP connections in TIME_WAIT on local `port` (`/proc/net/tcp`, `tcp6`): while there are
/// any, a program that binds the port without `SO_REUSEADDR` (most students' programs) fails
/// with "Address already in use". They last 60 s on Linux; only a network namespace of its
/// own spares the next program the wait.
pub fn time_wait(port: u16) -> usize {
    const TIME_WAIT: &str = "06";
    let suffix = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|t| std::fs::read_to_string(t).ok())
        .map(|table| {
            table
                .lines()
                .skip(1)
                .filter(|line| {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    f.get(1).is_some_and(|a| a.ends_with(&suffix)) && f.get(3) == Some(&TIME_WAIT)
                })
                .count()
        })
        .sum()
}

/// `argv` as one line a shell reads back as the same words: words with anything but
/// letters, digits and `-_./:=@,+%{}` in single quotes.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%{}".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrapper_adds_addresses_and_execs_the_command() {
        let argv = vec!["conformance".to_owned(), "run".to_owned()];
        let addrs: Vec<IpAddr> = vec![
            "192.168.1.4".parse().expect("ip"),
            "127.0.0.1".parse().expect("ip"),
            "fd00::4".parse().expect("ip"),
        ];
        let line = shell_line(&wrap(&argv, &addrs));
        assert_eq!(
            line,
            "unshare --net -- sh -c 'ip link set lo up && ip addr add 192.168.1.4/32 dev lo && ip addr add fd00::4/128 dev lo && exec \"$0\" \"$@\"' conformance run"
        );
        assert_eq!(
            shell_line(&["it's".to_owned(), "{port}".to_owned(), String::new()]),
            "'it'\\''s' {port} ''"
        );
    }
}
