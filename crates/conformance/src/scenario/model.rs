//! A suite and its scenarios, validated: what the engine runs. Built by `load` from YAML.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

/// Where a step or value was written: for failure reports and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The scenario file, as given to the loader.
    pub file: PathBuf,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A loaded suite: its scenarios and the files a server must hold for them.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Short name, e.g. `core`.
    pub name: String,
    /// One-line description.
    pub title: String,
    /// The suite's folder.
    pub dir: PathBuf,
    /// Files every graded server must serve from its root (`conformance fixtures export`).
    pub files: Vec<SuiteFile>,
    /// Scenarios, in file-name order.
    pub scenarios: Vec<Scenario>,
}

/// A file of the suite's fixtures.
#[derive(Debug, Clone)]
pub struct SuiteFile {
    /// Path relative to the server's root.
    pub path: String,
    /// The content (empty for a symbolic link).
    pub content: bytes::Bytes,
    /// Where the file, as a symbolic link, points: how a suite checks that links leading out
    /// of the root are refused.
    pub symlink: Option<String>,
}

impl Suite {
    /// The fixture file at `path`, if the suite declares it.
    pub fn file(&self, path: &str) -> Option<&SuiteFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// The transport of a scenario connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// A TCP stream.
    Tcp,
    /// A connected UDP socket: one message per datagram.
    Udp,
}

/// One scenario: a few connections, a list of steps, a verdict.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Unique id in the suite.
    pub id: String,
    /// What it checks, in a sentence.
    pub title: String,
    /// Spec requirement IDs it checks.
    pub requirements: Vec<String>,
    /// Points awarded when it passes.
    pub points: u32,
    /// Tags, for `--tag`.
    pub tags: Vec<String>,
    /// Shown on failure: what to fix.
    pub hint: Option<String>,
    /// Where the scenario starts.
    pub location: Location,
    /// Connections by name, in declaration order.
    pub connections: Vec<(String, Transport)>,
    /// Per-run variables and how to make them.
    pub vars: Vec<(String, VarKind)>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Whether any connection is UDP (the scenario needs a target that serves UDP).
    pub fn needs_udp(&self) -> bool {
        self.connections.iter().any(|(_, t)| *t == Transport::Udp)
    }

    /// Whether the scenario sends `MSG`: its relays reach every introduced client of the
    /// server, so it must not overlap with other scenarios.
    pub fn broadcasts(&self) -> bool {
        self.steps.iter().any(|s| match &s.action {
            Action::Send {
                data: SendData::Messages { lines, .. },
                ..
            } => lines.iter().any(|l| l.0.starts_with("MSG ")),
            Action::Send {
                data: SendData::Raw(t),
                ..
            } => t.0.contains("MSG "),
            _ => false,
        })
    }

    /// The transport of connection `name`.
    pub fn transport(&self, name: &str) -> Transport {
        self.connections
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Transport::Tcp, |(_, t)| *t)
    }
}

/// How a per-run variable is made, from the run's seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarKind {
    /// A valid, unique-looking `name`: the variable's name and a random suffix.
    Name,
    /// A random `token`.
    Token,
    /// A random `text` of a few words.
    Text,
    /// A random file name, safe under any root.
    File,
    /// This many random bytes (a payload).
    Bytes(usize),
}

/// A string with `${var}` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(pub String);

/// One step and where it was written.
#[derive(Debug, Clone)]
pub struct Step {
    /// Where the step is in its file.
    pub location: Location,
    /// What it does.
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Open a connection now (connections also open at their first use).
    Connect { conn: String },
    /// Write bytes.
    Send {
        conn: String,
        data: SendData,
        split: Split,
        pause: Duration,
        timeout: Duration,
        /// The data is written this many times over, in the same writes.
        repeat: u32,
    },
    /// Shut down the writing half (FIN).
    HalfClose { conn: String },
    /// Abort the connection (RST).
    Reset { conn: String },
    /// Read the next event and match it against one of the expectations.
    Expect {
        conn: String,
        alternatives: Vec<Expectation>,
        timeout: Duration,
        /// The expectation must hold for this many events in a row.
        repeat: u32,
    },
    /// Send a bare `PING` and expect a `PONG` as the very next message: everything the server
    /// queued before it has then arrived.
    Barrier { conn: String, timeout: Duration },
    /// Expect nothing at all to arrive within the window.
    Silence { conn: String, window: Duration },
    /// Wait.
    Pause(Duration),
}

/// What a send step writes.
#[derive(Debug, Clone)]
pub enum SendData {
    /// Client message lines, checked by `wire`, written in one write. A `PUT` line without a
    /// size takes its size and bytes from the payload.
    Messages {
        lines: Vec<Template>,
        payload: Option<PayloadSource>,
    },
    /// Bytes in the escaped notation (`\n`, `\r`, `\\`, `\xHH`), with `${var}` references.
    Raw(Template),
    /// Bytes in hex.
    Hex(Vec<u8>),
}

/// Where payload bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadSource {
    /// Literal text (with `${var}` references).
    Text(Template),
    /// A `bytes` variable.
    Var(String),
    /// A suite file.
    File(String),
}

/// How a send is cut into writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// One write.
    None,
    /// One write per byte.
    Bytes,
    /// Writes cut at these offsets.
    At(Vec<usize>),
}

/// One acceptable outcome of an expect step.
#[derive(Debug, Clone)]
pub enum Expectation {
    /// A server message of this verb, with field matchers.
    Message {
        verb: Verb,
        fields: Vec<(FieldName, Matcher)>,
        payload: Option<PayloadMatcher>,
        captures: Vec<(String, FieldName)>,
    },
    /// Raw bytes.
    Raw(RawMatcher),
    /// The server closes the connection.
    Close(CloseKind),
}

/// A server verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Welcome,
    Ok,
    From,
    File,
    Pong,
    Bye,
    Err,
}

impl Verb {
    /// The verb as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Welcome => "WELCOME",
            Verb::Ok => "OK",
            Verb::From => "FROM",
            Verb::File => "FILE",
            Verb::Pong => "PONG",
            Verb::Bye => "BYE",
            Verb::Err => "ERR",
        }
    }

    /// Parses a verb as written in a scenario.
    pub fn parse(s: &str) -> Option<Verb> {
        Some(match s {
            "WELCOME" => Verb::Welcome,
            "OK" => Verb::Ok,
            "FROM" => Verb::From,
            "FILE" => Verb::File,
            "PONG" => Verb::Pong,
            "BYE" => Verb::Bye,
            "ERR" => Verb::Err,
            _ => return None,
        })
    }

    /// The fields a message of this verb has.
    pub fn fields(self) -> &'static [FieldName] {
        match self {
            Verb::Welcome | Verb::Ok | Verb::Bye => &[FieldName::Text],
            Verb::From => &[FieldName::Name, FieldName::Text],
            Verb::File => &[],
            Verb::Pong => &[FieldName::Token],
            Verb::Err => &[FieldName::Code, FieldName::Text],
        }
    }
}

/// A field of a server message that a matcher can look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldName {
    Name,
    Text,
    Token,
    Code,
}

impl FieldName {
    /// The key used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::Name => "name",
            FieldName::Text => "text",
            FieldName::Token => "token",
            FieldName::Code => "code",
        }
    }
}

/// How one field must look.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Present and equal (after `${var}` substitution).
    Exact(Template),
    /// Present and wholly matching the regex.
    Regex(Regex),
    /// Anything, including absent.
    Any,
    /// Absent (an optional field not sent).
    Absent,
}

/// How a payload must look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadMatcher {
    /// Exactly these bytes.
    Equals(PayloadSource),
    /// Of this size.
    Size(u64),
    /// With this SHA-256, in lowercase hex.
    Sha256(String),
}

/// How raw bytes must look.
#[derive(Debug, Clone)]
pub enum RawMatcher {
    /// Exactly these bytes next: escaped notation, with `${var}` references.
    Exact(Template),
    /// The bytes up to and including the delimiter, optionally matching a regex.
    Until {
        delimiter: Vec<u8>,
        regex: Option<Regex>,
    },
}

/// How a connection may end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// An orderly close (FIN).
    Fin,
    /// An abort (RST).
    Reset,
    /// Either.
    Any,
}

impl Template {
    /// The names of the variables the template refers to, in order.
    pub fn vars(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = self.0.as_str();
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    out.push(&after[..end]);
                    rest = &after[end + 1..];
                }
                None => break,
            }
        }
        out
    }

    /// The template with each `${var}` replaced by `lookup(var)`; unknown names stay as written.
    pub fn render(&self, lookup: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::with_capacity(self.0.len());
        let mut rest = self.0.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match lookup(name) {
                        Some(value) => out.push_str(&value),
                        None => out.push_str(&rest[start..start + 3 + end]),
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_find_and_render_vars() {
        let t = Template("HELLO ${alice} and ${bob}${x".into());
        assert_eq!(t.vars(), vec!["alice", "bob"]);
        let r = t.render(|n| (n == "alice").then(|| "al".to_owned()));
        assert_eq!(r, "HELLO al and ${bob}${x");
    }
}
