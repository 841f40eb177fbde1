//! `suite.yaml`: the suite's name, title and the files a graded server must hold.

use bytes::Bytes;

use super::diagnostics::{Diagnostics, LoadErrors, Source};
use crate::scenario::model::{Lifecycle, ProbeKind, ProgramSettings, Protocol, Role, SuiteFile};
use crate::scenario::raw::{RawFile, RawProgram, RawSuite};

/// The largest `random:` fixture file: its bytes are made in memory when the suite loads, so a
/// size typed wrong must be a diagnostic, not an allocation that aborts the process (found while
/// fuzzing the loader). The reference server's upload limit.
pub(super) const MAX_RANDOM: usize = 256 * 1024 * 1024;

/// What a manifest says.
pub(super) struct Manifest {
    pub name: String,
    pub title: String,
    pub probe: ProbeKind,
    pub protocol: Protocol,
    pub program: ProgramSettings,
    pub exclusive: bool,
    pub variables: Vec<(String, String)>,
    pub files: Vec<SuiteFile>,
    pub addresses: Vec<std::net::IpAddr>,
}

/// Reads a suite manifest.
pub(super) fn load(source: &Source) -> Result<Manifest, LoadErrors> {
    let mut d = Diagnostics::new(source);
    let raw: Option<RawSuite> = d.parse();
    let value = raw.map(|raw| {
        let protocol = raw.protocol.unwrap_or(Protocol::SocketLab);
        Manifest {
            files: raw.files.iter().map(|f| file(&mut d, f)).collect(),
            addresses: raw
                .addresses
                .iter()
                .filter_map(|a| address(&mut d, a))
                .collect(),
            program: program(&mut d, raw.program.as_ref()),
            // Only socket-lab servers are asked PING; a raw program is never sent a byte it
            // did not ask for.
            probe: raw.probe.unwrap_or(match protocol {
                Protocol::SocketLab => ProbeKind::Ping,
                Protocol::Raw => ProbeKind::None,
            }),
            protocol,
            exclusive: raw.exclusive,
            variables: raw.variables.into_iter().collect(),
            name: raw.name,
            title: raw.title,
        }
    });
    d.finish(value).map_err(|errors| LoadErrors { errors })
}

fn program(
    d: &mut Diagnostics<'_>,
    raw: Option<&serde_saphyr::Spanned<RawProgram>>,
) -> ProgramSettings {
    let defaults = ProgramSettings::default();
    let Some(raw) = raw else {
        return defaults;
    };
    let v = &raw.value;
    let role = v.role.unwrap_or(defaults.role);
    // A client is started for each scenario: it connects to that scenario's listener.
    let lifecycle = v.lifecycle.unwrap_or(match role {
        Role::Server => Lifecycle::PerRun,
        Role::Client => Lifecycle::PerScenario,
    });
    if role == Role::Client && lifecycle == Lifecycle::PerRun {
        d.error(
            &raw.referenced,
            "a client is started for each scenario (`lifecycle: per-scenario`)",
            "program",
            Some("each scenario's listener has its own port"),
        );
    }
    ProgramSettings {
        role,
        lifecycle,
        ready: v.ready.unwrap_or(defaults.ready),
        ready_timeout: v
            .ready_timeout
            .map_or(defaults.ready_timeout, std::time::Duration::from_millis),
        builtin: v.builtin.clone(),
        env: env(d, raw),
    }
}

/// `program: env:`: names a shell can set, values without NUL.
fn env(d: &mut Diagnostics<'_>, raw: &serde_saphyr::Spanned<RawProgram>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in &raw.value.env {
        let checked = crate::program::check_env_name(name)
            .and_then(|()| crate::program::check_env_value(value));
        match checked {
            Ok(()) => out.push((name.clone(), value.clone())),
            Err(why) => d.error(
                &raw.referenced,
                format!("program env: {why}"),
                "program",
                Some("e.g. `env: {PYTHONUNBUFFERED: \"1\"}`"),
            ),
        }
    }
    out
}

/// An address of `addresses:`.
fn address(d: &mut Diagnostics<'_>, a: &serde_saphyr::Spanned<String>) -> Option<std::net::IpAddr> {
    match a.value.trim().parse() {
        Ok(ip) => Some(ip),
        Err(_) => {
            d.error(
                &a.referenced,
                format!("`{}` is not an IP address", a.value),
                "address",
                Some("write an IPv4 or IPv6 address, e.g. 192.168.1.4"),
            );
            None
        }
    }
}

fn file(d: &mut Diagnostics<'_>, f: &serde_saphyr::Spanned<RawFile>) -> SuiteFile {
    let at = &f.referenced;
    let v = &f.value;
    if let Err(e) = wire::path::RelativePath::parse(&v.path) {
        d.error(
            at,
            format!("file path `{}` is not allowed: {e}", v.path),
            "this file",
            None,
        );
    }
    let content = match (&v.text, v.random, &v.symlink) {
        (Some(text), None, None) => Bytes::from(text.clone().into_bytes()),
        (None, Some(size), None) if size > MAX_RANDOM => {
            d.error(
                at,
                format!("`random: {size}` is over the {MAX_RANDOM}-byte limit of a fixture file"),
                "this file",
                Some("the bytes are made when the suite loads: keep fixture files small"),
            );
            Bytes::new()
        }
        (None, Some(size), None) => crate::files::deterministic_bytes(&v.path, size),
        (None, None, Some(_)) => Bytes::new(),
        _ => {
            d.error(
                at,
                "a file needs exactly one of `text`, `random` or `symlink`",
                "this file",
                None,
            );
            Bytes::new()
        }
    };
    SuiteFile {
        path: v.path.clone(),
        content,
        symlink: v.symlink.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::MAX_RANDOM;
    use crate::scenario::{Source, load_suite_from};

    fn manifest_with_random(size: usize) -> String {
        format!("name: x\ntitle: t\nfiles:\n  - path: a.bin\n    random: {size}\n")
    }

    /// Found while writing the loader's fuzz target (fuzz/, scenario_load aborts on it):
    /// `random: 100000000000` aborted the process on the allocation instead of a diagnostic.
    #[test]
    fn a_random_file_over_the_limit_is_a_diagnostic() {
        for size in [MAX_RANDOM + 1, 100_000_000_000, usize::MAX] {
            let manifest = Source::new("suite.yaml", manifest_with_random(size));
            let errors = load_suite_from(Path::new("."), &manifest, &[]).expect_err("too large");
            assert_eq!(errors.errors.len(), 1);
            let e = &errors.errors[0];
            assert!(
                e.message.contains("over the 268435456-byte limit"),
                "{}",
                e.message
            );
            assert_eq!((e.location.line, e.location.column), (4, 5));
        }
        let manifest = Source::new("suite.yaml", manifest_with_random(1000));
        let suite = load_suite_from(Path::new("."), &manifest, &[]).expect("within the limit");
        assert_eq!(suite.files[0].content.len(), 1000);
    }
}
