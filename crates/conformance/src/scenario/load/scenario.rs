//! A scenario file: its header (id, requirements, connections, variables), then its steps, each
//! checked against what the scenario has declared so far (its [`Scope`]).

use std::collections::HashSet;

use regex::Regex;
use serde_saphyr::{Location as YamlLocation, Spanned};

use super::diagnostics::{Diagnostics, ScenarioError, Source};
use super::step;
use crate::scenario::model::{ConnId, Connection, Scenario, SuiteFile, Transport, VarKind};
use crate::scenario::raw::RawScenario;

/// The connection a step names when it names none and several (or none) are declared.
const DEFAULT_CONN: &str = "c";

/// What one scenario knows while its steps are checked in order.
#[derive(Debug)]
pub(super) struct Scope<'f> {
    /// Connections so far: declared, or declared by first use.
    pub connections: Vec<Connection>,
    /// Whether the scenario has a `connections:` list (then a new name is a typo).
    pub explicit: bool,
    /// Variables with a text value: declared, or captured by an earlier step.
    pub text_vars: HashSet<String>,
    /// `bytes N` variables: payloads only.
    pub byte_vars: HashSet<String>,
    /// Captured by only some alternatives of an `expect_one_of`: not certain to be set.
    pub partial_vars: HashSet<String>,
    /// The suite's files, which payloads may name.
    pub files: &'f [SuiteFile],
    /// Whether a step so far sends `MSG`.
    pub broadcasts: bool,
    /// The program instances so far: `program`, then those started by name.
    pub programs: Vec<String>,
    /// Whether a step starts an instance.
    pub starts_programs: bool,
}

impl Scope<'_> {
    /// The connection a step acts on: `name` if given, else the default; checked against the
    /// declared ones.
    pub fn conn(
        &mut self,
        d: &mut Diagnostics<'_>,
        name: Option<&Spanned<String>>,
        step_at: &YamlLocation,
    ) -> ConnId {
        let (name, at) = match name {
            Some(n) => (n.value.as_str(), n.referenced),
            None if self.explicit && self.connections.len() == 1 => {
                (self.connections[0].name.as_str(), *step_at)
            }
            None => (DEFAULT_CONN, *step_at),
        };
        if let Some(i) = self.connections.iter().position(|c| c.name == name) {
            return ConnId(i);
        }
        // With a `connections:` list, every name must be on it (a typo is not a new
        // connection); without one, connections are TCP and declared by use.
        if self.explicit {
            d.error(
                &at,
                format!("connection `{name}` is not declared"),
                "connection",
                Some("declare it under `connections:`, or use `on:` to name a declared one"),
            );
        }
        self.connections.push(Connection {
            name: name.to_owned(),
            transport: Transport::Tcp,
            listen: false,
        });
        ConnId(self.connections.len() - 1)
    }

    /// The transport of a connection.
    pub fn transport(&self, id: ConnId) -> Transport {
        self.connections[id.0].transport
    }
}

/// What a scenario may refer to of its suite.
#[derive(Debug, Clone, Copy)]
pub(super) struct SuiteScope<'a> {
    /// The fixture files, which payloads may name.
    pub files: &'a [SuiteFile],
    /// The suite's variables (`${greeting}`), with their defaults.
    pub variables: &'a [(String, String)],
}

/// Loads one scenario file.
pub(super) fn load(
    source: &Source,
    suite: &SuiteScope<'_>,
) -> Result<Scenario, Vec<ScenarioError>> {
    let mut d = Diagnostics::new(source);
    let raw: Option<RawScenario> = d.parse();
    let scenario = raw.map(|raw| check(&mut d, raw, suite));
    d.finish(scenario)
}

fn check(d: &mut Diagnostics<'_>, raw: RawScenario, suite: &SuiteScope<'_>) -> Scenario {
    let files = suite.files;
    check_id(d, &raw.id);
    check_requirements(d, &raw.requirements);
    let connections = connections(d, &raw);
    let vars = vars(d, &raw);
    let mut scope = Scope {
        explicit: !connections.is_empty(),
        connections,
        // `PORT`: the port the program listens on, or the harness's first listener.
        text_vars: vars
            .iter()
            .filter(|(_, k)| !matches!(k, VarKind::Bytes(_)))
            .map(|(n, _)| n.clone())
            .chain(std::iter::once("PORT".to_owned()))
            .chain(suite.variables.iter().map(|(n, _)| n.clone()))
            .collect(),
        byte_vars: vars
            .iter()
            .filter(|(_, k)| matches!(k, VarKind::Bytes(_)))
            .map(|(n, _)| n.clone())
            .collect(),
        partial_vars: HashSet::new(),
        files,
        broadcasts: false,
        programs: vec![super::program::DEFAULT_PROGRAM.to_owned()],
        starts_programs: false,
    };
    if raw.steps.is_empty() {
        d.error(
            &raw.id.referenced,
            "a scenario needs at least one step",
            "this scenario",
            None,
        );
    }
    let steps = raw
        .steps
        .iter()
        .filter_map(|s| step::load(d, &mut scope, s))
        .collect();
    Scenario {
        location: d.source.location(&raw.id.referenced),
        id: raw.id.value,
        title: raw.title,
        requirements: raw.requirements.into_iter().map(|r| r.value).collect(),
        points: raw.points,
        tags: raw.tags,
        hint: raw.hint,
        connections: scope.connections,
        programs: scope.programs,
        starts_programs: scope.starts_programs,
        vars,
        steps,
        broadcasts: scope.broadcasts,
        exclusive: raw.exclusive,
        optional: raw.optional,
        visibility: raw.visibility,
    }
}

fn check_id(d: &mut Diagnostics<'_>, id: &Spanned<String>) {
    let kebab = Regex::new("^[a-z0-9][a-z0-9-]*$").expect("static regex");
    if !kebab.is_match(&id.value) {
        d.error(
            &id.referenced,
            format!("scenario id `{}` is not kebab-case", id.value),
            "id",
            Some("use lowercase letters, digits and `-`"),
        );
    }
}

fn check_requirements(d: &mut Diagnostics<'_>, requirements: &[Spanned<String>]) {
    let id = Regex::new("^[A-Z]+-[0-9]+$").expect("static regex");
    for r in requirements.iter().filter(|r| !id.is_match(&r.value)) {
        d.error(
            &r.referenced,
            format!("`{}` is not a requirement ID", r.value),
            "requirement",
            Some("IDs look like HELLO-1: see spec/protocol.md"),
        );
    }
}

fn connections(d: &mut Diagnostics<'_>, raw: &RawScenario) -> Vec<Connection> {
    let mut out = Vec::new();
    for (name, t) in &raw.connections {
        let (transport, listen) = match t.value.as_str() {
            "tcp" => (Transport::Tcp, false),
            "udp" => (Transport::Udp, false),
            "tcp-listener" => (Transport::Tcp, true),
            "udp-listener" => (Transport::Udp, true),
            other => {
                d.error(
                    &t.referenced,
                    format!("unknown transport `{other}`"),
                    "transport",
                    Some("use `tcp` or `udp` (the harness connects), `tcp-listener` or `udp-listener` (the program connects)"),
                );
                continue;
            }
        };
        out.push(Connection {
            name: name.clone(),
            transport,
            listen,
        });
    }
    out
}

fn vars(d: &mut Diagnostics<'_>, raw: &RawScenario) -> Vec<(String, VarKind)> {
    let mut out = Vec::new();
    for (name, kind) in &raw.vars {
        let v = kind.value.trim();
        let parsed = match v {
            "name" => Some(VarKind::Name),
            "token" => Some(VarKind::Token),
            "text" => Some(VarKind::Text),
            "file" => Some(VarKind::File),
            _ => v
                .strip_prefix("bytes ")
                .and_then(|n| n.trim().parse().ok())
                .map(VarKind::Bytes),
        };
        match parsed {
            Some(k) => out.push((name.clone(), k)),
            None => d.error(
                &kind.referenced,
                format!("unknown variable kind `{v}`"),
                "kind",
                Some("use name, token, text, file or `bytes N`"),
            ),
        }
    }
    out
}
