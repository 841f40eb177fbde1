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
//! harness reaches the program there. Creating a namespace needs `CAP_SYS_ADMIN` (root); a user
//! who is not root gets one inside a user namespace of their own (`unshare --user
//! --map-root-user --net`) where the kernel allows unprivileged user namespaces. [`probe`] tries
//! both, once, and says why not when neither works.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

/// How submissions are kept apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// A network namespace per submission; inside a user namespace when `user` (the grader is
    /// not root).
    Namespaces {
        /// `unshare --user --map-root-user` as well.
        user: bool,
    },
    /// None: programs share the machine's network. `why` says why namespaces are not used.
    Shared {
        /// Why not namespaces.
        why: String,
    },
}

/// Tries `unshare --net -- ip link set lo up` (with a deadline), then the same in a user
/// namespace: namespaces work when one does.
pub async fn probe() -> Isolation {
    let plain = try_unshare(&[]).await;
    if plain.is_ok() {
        return Isolation::Namespaces { user: false };
    }
    let user = try_unshare(USER).await;
    match (plain, user) {
        (_, Ok(())) => Isolation::Namespaces { user: true },
        (Err(a), Err(b)) => Isolation::Shared {
            why: format!("{a}; as a user namespace: {b}"),
        },
        (Ok(()), _) => Isolation::Namespaces { user: false },
    }
}

/// The options of `unshare` for a user namespace whose root is the grader.
const USER: &[&str] = &["--user", "--map-root-user"];

async fn try_unshare(extra: &[&str]) -> Result<(), String> {
    let run = tokio::process::Command::new("unshare")
        .args(extra)
        .args(["--net", "--", "ip", "link", "set", "lo", "up"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(10), run).await {
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => Err(format!(
            "`unshare {}--net` failed ({}): {}",
            extra.iter().map(|o| format!("{o} ")).collect::<String>(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(Err(e)) => Err(format!(
            "cannot run `unshare` (util-linux) and `ip` (iproute2): {e}"
        )),
        Err(_) => Err("`unshare --net` did not finish within 10 s".to_owned()),
    }
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

/// The command line that runs `argv` in a new network namespace (in a user namespace too when
/// `user`) with loopback up and `addresses` on it.
pub fn wrap(argv: &[String], addresses: &[IpAddr], user: bool) -> Vec<String> {
    let mut script = "ip link set lo up".to_owned();
    for ip in addresses.iter().filter(|ip| !ip.is_loopback()) {
        let prefix = if ip.is_ipv4() { 32 } else { 128 };
        script += &format!(" && ip addr add {ip}/{prefix} dev lo");
    }
    script += " && exec \"$0\" \"$@\"";
    let mut out = vec!["unshare".to_owned()];
    if user {
        out.extend(USER.iter().map(|o| (*o).to_owned()));
    }
    out.extend(["--net", "--", "sh", "-c"].map(str::to_owned));
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
        let line = shell_line(&wrap(&argv, &addrs, false));
        assert_eq!(
            line,
            "unshare --net -- sh -c 'ip link set lo up && ip addr add 192.168.1.4/32 dev lo && ip addr add fd00::4/128 dev lo && exec \"$0\" \"$@\"' conformance run"
        );
        assert_eq!(
            shell_line(&["it's".to_owned(), "{port}".to_owned(), String::new()]),
            "'it'\\''s' {port} ''"
        );
        let user = shell_line(&wrap(&argv, &[], true));
        assert!(
            user.starts_with(
                "unshare --user --map-root-user --net -- sh -c 'ip link set lo up && exec"
            ),
            "{user}"
        );
    }
}
