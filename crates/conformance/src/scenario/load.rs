//! Reading suites and scenario files, and checking them: every problem found in a file is
//! reported, each with its file, line, column and a snippet.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use miette::{NamedSource, SourceSpan};
use regex::Regex;
use serde_saphyr::Spanned;
use wire::{ClientMessage, Decoded, Decoder, Limits};

use super::model::*;
use super::raw::*;

/// Default deadline of an expect or barrier step, before `--timeout-scale`.
pub const DEFAULT_EXPECT_TIMEOUT: Duration = Duration::from_millis(2000);
/// Default deadline of a send step.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_millis(5000);
/// Pause between the writes of a split send, unless `pause_between` says otherwise.
pub const DEFAULT_SPLIT_PAUSE: Duration = Duration::from_millis(5);
/// Name of the manifest in a suite folder.
pub const MANIFEST: &str = "suite.yaml";

/// One problem in a scenario or suite file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(conformance::scenario))]
pub struct ScenarioError {
    /// What is wrong.
    pub message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
    /// Where it is.
    pub location: Location,
}

/// Every problem found while loading.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{} problem(s) in scenario files", errors.len())]
pub struct LoadErrors {
    /// The problems, in file order.
    #[related]
    pub errors: Vec<ScenarioError>,
}

impl From<ScenarioError> for LoadErrors {
    fn from(e: ScenarioError) -> Self {
        LoadErrors { errors: vec![e] }
    }
}

/// A file being checked: its text, and the problems found so far.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    errors: Vec<ScenarioError>,
}

impl<'a> Checker<'a> {
    fn new(path: &'a Path, text: &'a str) -> Self {
        Checker {
            path,
            text,
            errors: Vec::new(),
        }
    }

    fn location(&self, at: &serde_saphyr::Location) -> Location {
        Location {
            file: self.path.to_path_buf(),
            line: at.line().max(1),
            column: at.column().max(1),
        }
    }

    /// The byte span of a YAML location, from the parser when it knows it, else from line and
    /// column.
    fn span(&self, at: &serde_saphyr::Location) -> SourceSpan {
        let span = at.span();
        if let (Some(offset), Some(len)) = (span.byte_offset(), span.byte_len()) {
            return SourceSpan::new((offset as usize).into(), (len as usize).max(1));
        }
        SourceSpan::new(
            line_column_offset(self.text, at.line(), at.column()).into(),
            1,
        )
    }

    fn error(
        &mut self,
        at: &serde_saphyr::Location,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) {
        self.errors.push(ScenarioError {
            message: message.into(),
            src: NamedSource::new(self.path.display().to_string(), self.text.to_owned()),
            span: self.span(at),
            label: label.to_owned(),
            help: help.map(str::to_owned),
            location: self.location(at),
        });
    }

    /// A YAML or shape error from the parser, placed where the parser says.
    fn parse_error(&mut self, err: &serde_saphyr::Error) {
        let at = err.location().unwrap_or(serde_saphyr::Location::UNKNOWN);
        let message = first_line(&err.to_string());
        self.error(
            &at,
            message,
            "here",
            Some("see conformance/README.md for the scenario format"),
        );
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, LoadErrors> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(LoadErrors {
                errors: self.errors,
            }),
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_owned()
}

fn parse<T: serde::de::DeserializeOwned>(checker: &mut Checker<'_>) -> Option<T> {
    let options = serde_saphyr::options! { with_snippet: false };
    match serde_saphyr::from_str_with_options::<T>(checker.text, options) {
        Ok(v) => Some(v),
        Err(e) => {
            checker.parse_error(&e);
            None
        }
    }
}

fn read(path: &Path) -> Result<String, LoadErrors> {
    std::fs::read_to_string(path).map_err(|e| io_error(path, &e))
}

fn io_error(path: &Path, e: &std::io::Error) -> LoadErrors {
    LoadErrors::from(ScenarioError {
        message: format!("cannot read {}: {e}", path.display()),
        src: NamedSource::new(path.display().to_string(), String::new()),
        span: SourceSpan::new(0.into(), 0),
        label: String::new(),
        help: None,
        location: Location {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
        },
    })
}

/// Loads a suite folder: its `suite.yaml` and every other `*.yaml` in it, in file-name order.
/// Every problem in every file is reported.
pub fn load_suite(dir: &Path) -> Result<Suite, LoadErrors> {
    let manifest = dir.join(MANIFEST);
    let (name, title, files) = load_manifest(&manifest)?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().is_some_and(|n| n != MANIFEST)
        })
        .collect();
    paths.sort();
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    let mut ids = UniqueIds::default();
    for path in &paths {
        match load_scenario_file(path, &files) {
            Ok(s) => {
                if let Some(e) = ids.check(&s) {
                    errors.push(e);
                }
                scenarios.push(s);
            }
            Err(e) => errors.extend(e.errors),
        }
    }
    if !errors.is_empty() {
        return Err(LoadErrors { errors });
    }
    Ok(Suite {
        name,
        title,
        dir: dir.to_path_buf(),
        files,
        scenarios,
    })
}

/// Scenario ids seen so far, to report a second use of one.
#[derive(Default)]
struct UniqueIds {
    seen: Vec<(String, Location)>,
}

impl UniqueIds {
    /// An error at `s`'s id if an earlier scenario has the same id.
    fn check(&mut self, s: &Scenario) -> Option<ScenarioError> {
        let Some((_, first)) = self.seen.iter().find(|(id, _)| *id == s.id) else {
            self.seen.push((s.id.clone(), s.location.clone()));
            return None;
        };
        let text = std::fs::read_to_string(&s.location.file).unwrap_or_default();
        Some(ScenarioError {
            message: format!("scenario id `{}` is also used at {first}", s.id),
            span: SourceSpan::new(
                line_column_offset(&text, s.location.line, s.location.column).into(),
                s.id.len().max(1),
            ),
            src: NamedSource::new(s.location.file.display().to_string(), text),
            label: "duplicate id".to_owned(),
            help: Some("ids are unique within a suite".to_owned()),
            location: s.location.clone(),
        })
    }
}

/// The byte offset of a 1-based line and column in `text`.
fn line_column_offset(text: &str, line: u64, column: u64) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    line_start + column.saturating_sub(1) as usize
}

/// Reads a suite manifest: its name, title and fixture files.
pub fn load_manifest(path: &Path) -> Result<(String, String, Vec<SuiteFile>), LoadErrors> {
    let text = read(path)?;
    let mut c = Checker::new(path, &text);
    let raw: Option<RawSuite> = parse(&mut c);
    let value = raw.map(|raw| {
        let mut files = Vec::new();
        for f in &raw.files {
            let at = &f.referenced;
            if let Err(e) = wire::path::RelativePath::parse(&f.value.path) {
                c.error(
                    at,
                    format!("file path `{}` is not allowed: {e}", f.value.path),
                    "this file",
                    None,
                );
            }
            let content = match (&f.value.text, f.value.random, &f.value.symlink) {
                (Some(text), None, None) => Bytes::from(text.clone().into_bytes()),
                (None, Some(size), None) => crate::files::deterministic_bytes(&f.value.path, size),
                (None, None, Some(_)) => Bytes::new(),
                _ => {
                    c.error(
                        at,
                        "a file needs exactly one of `text`, `random` or `symlink`",
                        "this file",
                        None,
                    );
                    Bytes::new()
                }
            };
            files.push(SuiteFile {
                path: f.value.path.clone(),
                content,
                symlink: f.value.symlink.clone(),
            });
        }
        (raw.name, raw.title, files)
    });
    c.finish(value)
}

/// Loads one scenario file. `files` are the suite's fixture files, which payloads may name.
pub fn load_scenario_file(path: &Path, files: &[SuiteFile]) -> Result<Scenario, LoadErrors> {
    let text = read(path)?;
    let mut c = Checker::new(path, &text);
    let raw: Option<RawScenario> = parse(&mut c);
    let scenario = raw.map(|raw| check_scenario(&mut c, raw, files));
    c.finish(scenario)
}

/// Loads scenario files for `conformance check`: the fixture files come from the `suite.yaml`
/// beside each file, if there is one.
pub fn check_files(paths: &[PathBuf]) -> Result<usize, LoadErrors> {
    let mut errors = Vec::new();
    let mut count = 0;
    let mut ids = UniqueIds::default();
    for path in paths {
        if path.file_name().is_some_and(|n| n == MANIFEST) {
            match load_manifest(path) {
                Ok(_) => count += 1,
                Err(e) => errors.extend(e.errors),
            }
            continue;
        }
        let manifest = path
            .parent()
            .map(|d| d.join(MANIFEST))
            .filter(|m| m.exists());
        let files = match manifest.map(|m| load_manifest(&m)) {
            Some(Ok((_, _, files))) => files,
            Some(Err(e)) => {
                errors.extend(e.errors);
                Vec::new()
            }
            None => Vec::new(),
        };
        match load_scenario_file(path, &files) {
            Ok(s) => {
                count += 1;
                errors.extend(ids.check(&s));
            }
            Err(e) => errors.extend(e.errors),
        }
    }
    if errors.is_empty() {
        Ok(count)
    } else {
        Err(LoadErrors { errors })
    }
}

/// What one scenario knows while its steps are checked in order.
struct Scope<'f> {
    declared: Vec<(String, Transport)>,
    explicit: bool,
    vars: HashSet<String>,
    byte_vars: HashSet<String>,
    files: &'f [SuiteFile],
}

fn check_scenario(c: &mut Checker<'_>, raw: RawScenario, files: &[SuiteFile]) -> Scenario {
    let id_ok = Regex::new("^[a-z0-9][a-z0-9-]*$").expect("static regex");
    if !id_ok.is_match(&raw.id.value) {
        c.error(
            &raw.id.referenced,
            format!("scenario id `{}` is not kebab-case", raw.id.value),
            "id",
            Some("use lowercase letters, digits and `-`"),
        );
    }
    let req_ok = Regex::new("^[A-Z]+-[0-9]+$").expect("static regex");
    for r in &raw.requirements {
        if !req_ok.is_match(&r.value) {
            c.error(
                &r.referenced,
                format!("`{}` is not a requirement ID", r.value),
                "requirement",
                Some("IDs look like HELLO-1: see spec/protocol.md"),
            );
        }
    }
    let mut connections = Vec::new();
    for (name, t) in &raw.connections {
        match t.value.as_str() {
            "tcp" => connections.push((name.clone(), Transport::Tcp)),
            "udp" => connections.push((name.clone(), Transport::Udp)),
            other => c.error(
                &t.referenced,
                format!("unknown transport `{other}`"),
                "transport",
                Some("use `tcp` or `udp`"),
            ),
        }
    }
    let mut vars = Vec::new();
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
            Some(k) => vars.push((name.clone(), k)),
            None => c.error(
                &kind.referenced,
                format!("unknown variable kind `{v}`"),
                "kind",
                Some("use name, token, text, file or `bytes N`"),
            ),
        }
    }
    let mut scope = Scope {
        explicit: !connections.is_empty(),
        declared: connections.clone(),
        vars: vars.iter().map(|(n, _)| n.clone()).collect(),
        byte_vars: vars
            .iter()
            .filter(|(_, k)| matches!(k, VarKind::Bytes(_)))
            .map(|(n, _)| n.clone())
            .collect(),
        files,
    };
    let mut steps = Vec::new();
    for step in &raw.steps {
        if let Some(s) = check_step(c, &mut scope, step) {
            steps.push(s);
        }
    }
    if raw.steps.is_empty() {
        c.error(
            &raw.id.referenced,
            "a scenario needs at least one step",
            "this scenario",
            None,
        );
    }
    Scenario {
        location: c.location(&raw.id.referenced),
        id: raw.id.value,
        title: raw.title,
        requirements: raw.requirements.into_iter().map(|r| r.value).collect(),
        points: raw.points,
        tags: raw.tags,
        hint: raw.hint,
        connections: scope.declared,
        vars,
        steps,
    }
}

const DEFAULT_CONN: &str = "c";

/// The connection a step acts on, checked against the declared ones.
fn conn_of(
    c: &mut Checker<'_>,
    scope: &mut Scope<'_>,
    name: Option<&Spanned<String>>,
    step_at: &serde_saphyr::Location,
) -> String {
    let (name, at) = match name {
        Some(n) => (n.value.clone(), n.referenced),
        None if scope.explicit && scope.declared.len() == 1 => {
            (scope.declared[0].0.clone(), *step_at)
        }
        None => (DEFAULT_CONN.to_owned(), *step_at),
    };
    if !scope.declared.iter().any(|(n, _)| *n == name) {
        // With a `connections:` list, every name must be on it (a typo is not a new
        // connection); without one, connections are TCP and declared by use.
        if scope.explicit {
            c.error(
                &at,
                format!("connection `{name}` is not declared"),
                "connection",
                Some("declare it under `connections:`, or use `on:` to name a declared one"),
            );
        }
        scope.declared.push((name.clone(), Transport::Tcp));
    }
    name
}

fn check_template(
    c: &mut Checker<'_>,
    scope: &Scope<'_>,
    t: &Template,
    at: &serde_saphyr::Location,
) {
    for v in t.vars() {
        if scope.byte_vars.contains(v) {
            c.error(
                at,
                format!("`${{{v}}}` holds bytes, not text"),
                "used here",
                Some("use a `bytes N` variable as `payload: { var: ... }`"),
            );
        } else if !scope.vars.contains(v) {
            c.error(
                at,
                format!("unknown variable `${{{v}}}`"),
                "used here",
                Some("declare it under `vars:`, or capture it in an earlier expect step"),
            );
        }
    }
}

fn check_step(c: &mut Checker<'_>, scope: &mut Scope<'_>, step: &Spanned<RawStep>) -> Option<Step> {
    let at = step.referenced;
    let s = &step.value;
    let actions: Vec<&str> = [
        ("connect", s.connect.is_some()),
        ("send", s.send.is_some()),
        ("send_raw", s.send_raw.is_some()),
        ("send_hex", s.send_hex.is_some()),
        ("half_close", s.half_close.is_some()),
        ("reset", s.reset.is_some()),
        ("expect", s.expect.is_some()),
        ("expect_raw", s.expect_raw.is_some()),
        ("expect_close", s.expect_close.is_some()),
        ("expect_one_of", s.expect_one_of.is_some()),
        ("expect_silence", s.expect_silence.is_some()),
        ("barrier", s.barrier.is_some()),
        ("pause", s.pause.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, present)| present.then_some(k))
    .collect();
    let action = match actions.as_slice() {
        [one] => *one,
        [] => {
            c.error(
                &at,
                "a step needs an action",
                "this step",
                Some("e.g. `send`, `expect`, `barrier`: see conformance/README.md"),
            );
            return None;
        }
        many => {
            c.error(
                &at,
                format!("a step has one action; this one has {}", many.join(", ")),
                "this step",
                Some("split it into several steps"),
            );
            return None;
        }
    };
    let timeout = |default: Duration| s.timeout.map_or(default, Duration::from_millis);
    let location = c.location(&at);
    let is_send = matches!(action, "send" | "send_raw" | "send_hex");
    let is_expect = matches!(action, "expect" | "expect_one_of");
    if !is_send && s.split.is_some() {
        c.error(
            &at,
            "`split` goes with send, send_raw or send_hex",
            "this step",
            None,
        );
    }
    if !is_send && !is_expect && s.repeat.is_some() {
        c.error(&at, "`repeat` goes with send or expect", "this step", None);
    }
    if s.repeat == Some(0) {
        c.error(&at, "`repeat` is at least 1", "this step", None);
    }
    if !is_send && !is_expect && s.payload.is_some() {
        c.error(&at, "`payload` goes with send or expect", "this step", None);
    }
    let action = match action {
        "connect" | "half_close" | "reset" | "barrier" => {
            let target = s
                .connect
                .as_ref()
                .or(s.half_close.as_ref())
                .or(s.reset.as_ref())
                .or(s.barrier.as_ref());
            let conn = conn_of(c, scope, target, &at);
            let udp = scope
                .declared
                .iter()
                .any(|(n, t)| *n == conn && *t == Transport::Udp);
            if udp && matches!(action, "half_close" | "reset") {
                c.error(
                    &at,
                    format!("`{action}` needs a TCP connection; `{conn}` is UDP"),
                    "this step",
                    None,
                );
            }
            match action {
                "connect" => Action::Connect { conn },
                "half_close" => Action::HalfClose { conn },
                "reset" => Action::Reset { conn },
                _ => Action::Barrier {
                    conn,
                    timeout: timeout(DEFAULT_EXPECT_TIMEOUT),
                },
            }
        }
        "pause" => Action::Pause(Duration::from_millis(
            s.pause.as_ref().map_or(0, |p| p.value),
        )),
        "expect_silence" => Action::Silence {
            conn: conn_of(c, scope, s.on.as_ref(), &at),
            window: Duration::from_millis(s.expect_silence.as_ref().map_or(0, |p| p.value)),
        },
        "send" | "send_raw" | "send_hex" => {
            let conn = conn_of(c, scope, s.on.as_ref(), &at);
            let data = check_send(c, scope, s)?;
            let split = match &s.split {
                None => Split::None,
                Some(sp) => match &sp.value {
                    RawSplit::Mode(m) if m == "bytes" => Split::Bytes,
                    RawSplit::At(cuts) if cuts.windows(2).all(|w| w[0] < w[1]) => {
                        Split::At(cuts.clone())
                    }
                    _ => {
                        c.error(
                            &sp.referenced,
                            "`split` is `bytes` or a list of increasing offsets",
                            "split",
                            None,
                        );
                        Split::None
                    }
                },
            };
            Action::Send {
                conn,
                data,
                split,
                pause: s
                    .pause_between
                    .map_or(DEFAULT_SPLIT_PAUSE, Duration::from_millis),
                timeout: timeout(DEFAULT_SEND_TIMEOUT),
                repeat: s.repeat.unwrap_or(1),
            }
        }
        _ => {
            let conn = conn_of(c, scope, s.on.as_ref(), &at);
            let udp = scope
                .declared
                .iter()
                .any(|(n, t)| *n == conn && *t == Transport::Udp);
            let alternatives = match &s.expect_one_of {
                Some(alts) => {
                    let mut out = Vec::new();
                    for alt in &alts.value {
                        if alt.value.on.is_some() || alt.value.timeout.is_some() {
                            c.error(&alt.referenced, "`on` and `timeout` go on the `expect_one_of` step, not its alternatives", "alternative", None);
                        }
                        if let Some(e) =
                            check_expectation(c, scope, &alt.value, &alt.referenced, udp)
                        {
                            out.push(e);
                        }
                    }
                    if out.len() < 2 && c.errors.is_empty() {
                        c.error(
                            &alts.referenced,
                            "`expect_one_of` needs at least two alternatives",
                            "here",
                            None,
                        );
                    }
                    out
                }
                None => vec![check_expectation(c, scope, s, &at, udp)?],
            };
            Action::Expect {
                conn,
                alternatives,
                timeout: timeout(DEFAULT_EXPECT_TIMEOUT),
                repeat: s.repeat.unwrap_or(1),
            }
        }
    };
    Some(Step { location, action })
}

fn check_send(c: &mut Checker<'_>, scope: &Scope<'_>, s: &RawStep) -> Option<SendData> {
    if let Some(hex) = &s.send_hex {
        let digits: String = hex.value.chars().filter(|ch| !ch.is_whitespace()).collect();
        let bytes = (0..digits.len())
            .step_by(2)
            .map(|i| {
                digits
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>();
        return match bytes {
            Some(b) if digits.len() % 2 == 0 => Some(SendData::Hex(b)),
            _ => {
                c.error(
                    &hex.referenced,
                    "`send_hex` takes pairs of hex digits",
                    "hex",
                    Some("e.g. `48 45 4c 4c 4f 0a`"),
                );
                None
            }
        };
    }
    if let Some(raw) = &s.send_raw {
        let t = Template(raw.value.clone());
        check_template(c, scope, &t, &raw.referenced);
        if let Err(e) = wire::escape::unescape(&raw.value) {
            c.error(
                &raw.referenced,
                format!("bad escape in `send_raw`: {e}"),
                "bytes",
                Some("escapes are \\n, \\r, \\\\ and \\xHH"),
            );
        }
        return Some(SendData::Raw(t));
    }
    let send = s.send.as_ref()?;
    let lines: Vec<Template> = match &send.value {
        OneOrMany::One(l) => vec![Template(l.clone())],
        OneOrMany::Many(ls) => ls.iter().cloned().map(Template).collect(),
    };
    let payload = s
        .payload
        .as_ref()
        .and_then(|p| check_payload_source(c, scope, p));
    let sized_by_payload = lines
        .iter()
        .filter(|l| l.0.starts_with("PUT ") && l.0.split(' ').count() == 2)
        .count();
    if payload.is_some() && sized_by_payload > 1 {
        c.error(
            &send.referenced,
            "one `payload` can size one `PUT <path>` line; this send has several",
            "this send",
            Some("split the send, or give each PUT its size and raw bytes with `send_raw`"),
        );
    }
    for line in &lines {
        check_template(c, scope, line, &send.referenced);
        // Check the line with `wire` now, with stand-in values, so a typo fails at load time.
        let sample = line.render(|_| Some("x1".to_owned()));
        let fields: Vec<&str> = sample.split(' ').collect();
        let sample = match (fields.as_slice(), &payload) {
            (["PUT", _], Some(_)) => format!("{sample} 0"),
            _ => sample,
        };
        let mut buf = BytesMut::from(format!("{sample}\n").as_bytes());
        let mut decoder = Decoder::<ClientMessage>::new(Limits::default());
        match decoder.decode(&mut buf) {
            Ok(Some(Decoded::Message(_))) => {}
            Ok(Some(Decoded::Malformed(m))) => c.error(
                &send.referenced,
                format!("`{}` is not a valid client message: {}", line.0, m.kind),
                "this send",
                Some("`send` takes protocol lines; use `send_raw` to send malformed bytes on purpose"),
            ),
            // A PUT with a written size: `payload:` supplies the bytes (as many as it holds).
            Ok(None) if payload.is_some() => {}
            Ok(None) => c.error(
                &send.referenced,
                "this line announces bytes; give them with `payload:`",
                "this send",
                Some("or write `PUT <path>` and let the payload set the size"),
            ),
            Err(e) => c.error(&send.referenced, format!("`{}` breaks a limit: {e}", line.0), "this send", None),
        }
    }
    Some(SendData::Messages { lines, payload })
}

fn check_payload_source(
    c: &mut Checker<'_>,
    scope: &Scope<'_>,
    p: &Spanned<RawPayload>,
) -> Option<PayloadSource> {
    let at = &p.referenced;
    let v = &p.value;
    let source = match (&v.text, &v.var, &v.file) {
        (Some(t), None, None) => {
            let t = Template(t.clone());
            check_template(c, scope, &t, at);
            PayloadSource::Text(t)
        }
        (None, Some(var), None) => {
            if !scope.byte_vars.contains(var) {
                c.error(
                    at,
                    format!("`{var}` is not a `bytes N` variable"),
                    "payload",
                    Some("declare it under `vars:` as `bytes 4096`"),
                );
            }
            PayloadSource::Var(var.clone())
        }
        (None, None, Some(f)) => {
            if !scope.files.iter().any(|sf| sf.path == *f) {
                c.error(
                    at,
                    format!("`{f}` is not a file of this suite"),
                    "payload",
                    Some("files are declared in suite.yaml"),
                );
            }
            PayloadSource::File(f.clone())
        }
        _ => {
            c.error(
                at,
                "a payload source is exactly one of `text`, `var` or `file`",
                "payload",
                None,
            );
            return None;
        }
    };
    Some(source)
}

fn check_expectation(
    c: &mut Checker<'_>,
    scope: &mut Scope<'_>,
    s: &RawStep,
    at: &serde_saphyr::Location,
    udp: bool,
) -> Option<Expectation> {
    if let Some(close) = &s.expect_close {
        if udp {
            c.error(
                &close.referenced,
                "UDP has no connection to close",
                "expect_close",
                None,
            );
        }
        return match close.value.as_str() {
            "fin" => Some(Expectation::Close(CloseKind::Fin)),
            "reset" => Some(Expectation::Close(CloseKind::Reset)),
            "any" => Some(Expectation::Close(CloseKind::Any)),
            other => {
                c.error(
                    &close.referenced,
                    format!("unknown close kind `{other}`"),
                    "expect_close",
                    Some("use fin, reset or any"),
                );
                None
            }
        };
    }
    if let Some(raw) = &s.expect_raw {
        let v = &raw.value;
        let unescape = |c: &mut Checker<'_>, text: &str| match wire::escape::unescape(text) {
            Ok(b) => Some(b),
            Err(e) => {
                c.error(
                    &raw.referenced,
                    format!("bad escape: {e}"),
                    "expect_raw",
                    None,
                );
                None
            }
        };
        return match (&v.exact, &v.until) {
            (Some(e), None) if v.regex.is_none() => {
                let t = Template(e.clone());
                check_template(c, scope, &t, &raw.referenced);
                unescape(c, e).map(|_| Expectation::Raw(RawMatcher::Exact(t)))
            }
            (None, Some(d)) => {
                let regex = v
                    .regex
                    .as_ref()
                    .and_then(|r| compile(c, r, &raw.referenced));
                unescape(c, d)
                    .map(|delimiter| Expectation::Raw(RawMatcher::Until { delimiter, regex }))
            }
            _ => {
                c.error(
                    &raw.referenced,
                    "`expect_raw` takes `exact`, or `until` with an optional `regex`",
                    "expect_raw",
                    None,
                );
                None
            }
        };
    }
    let Some(verb_text) = &s.expect else {
        c.error(
            at,
            "each alternative is an `expect`, `expect_raw` or `expect_close`",
            "alternative",
            None,
        );
        return None;
    };
    let Some(verb) = Verb::parse(&verb_text.value) else {
        c.error(
            &verb_text.referenced,
            format!("`{}` is not a server verb", verb_text.value),
            "verb",
            Some("server verbs: WELCOME OK FROM FILE PONG BYE ERR"),
        );
        return None;
    };
    let mut fields = Vec::new();
    for (name, raw) in [
        (FieldName::Name, &s.name),
        (FieldName::Text, &s.text),
        (FieldName::Token, &s.token),
        (FieldName::Code, &s.code),
    ] {
        let Some(raw) = raw else { continue };
        if !verb.fields().contains(&name) {
            c.error(
                &raw.referenced,
                format!("{} has no `{}` field", verb.as_str(), name.as_str()),
                "field",
                None,
            );
            continue;
        }
        let matcher = match &raw.value {
            RawFieldMatcher::Number(n) => Matcher::Exact(Template(n.to_string())),
            RawFieldMatcher::Exact(t) => {
                let t = Template(t.clone());
                check_template(c, scope, &t, &raw.referenced);
                Matcher::Exact(t)
            }
            RawFieldMatcher::Map(m) => {
                match (&m.regex, m.any, m.absent) {
                    (Some(r), None, None) => match compile(c, r, &raw.referenced) {
                        Some(r) => Matcher::Regex(r),
                        None => continue,
                    },
                    (None, Some(true), None) => Matcher::Any,
                    (None, None, Some(true)) => Matcher::Absent,
                    _ => {
                        c.error(&raw.referenced, "a matcher is a value, or one of `regex: ...`, `any: true`, `absent: true`", "matcher", None);
                        continue;
                    }
                }
            }
        };
        fields.push((name, matcher));
    }
    let payload = match &s.payload {
        Some(p) if verb != Verb::File => {
            c.error(
                &p.referenced,
                format!("{} has no payload", verb.as_str()),
                "payload",
                None,
            );
            None
        }
        Some(p) => match (&p.value.size, &p.value.sha256) {
            (Some(n), None)
                if p.value.text.is_none() && p.value.var.is_none() && p.value.file.is_none() =>
            {
                Some(PayloadMatcher::Size(*n))
            }
            (None, Some(h))
                if p.value.text.is_none() && p.value.var.is_none() && p.value.file.is_none() =>
            {
                Some(PayloadMatcher::Sha256(h.to_ascii_lowercase()))
            }
            (None, None) => check_payload_source(c, scope, p).map(PayloadMatcher::Equals),
            _ => {
                c.error(
                    &p.referenced,
                    "a payload matcher is one of `text`, `var`, `file`, `size` or `sha256`",
                    "payload",
                    None,
                );
                None
            }
        },
        None => None,
    };
    let mut captures = Vec::new();
    for (var, field) in &s.capture {
        match [
            FieldName::Name,
            FieldName::Text,
            FieldName::Token,
            FieldName::Code,
        ]
        .into_iter()
        .find(|f| f.as_str() == field.value)
        {
            Some(f) if verb.fields().contains(&f) => {
                scope.vars.insert(var.clone());
                captures.push((var.clone(), f));
            }
            _ => c.error(
                &field.referenced,
                format!(
                    "{} has no `{}` field to capture",
                    verb.as_str(),
                    field.value
                ),
                "capture",
                None,
            ),
        }
    }
    Some(Expectation::Message {
        verb,
        fields,
        payload,
        captures,
    })
}

fn compile(c: &mut Checker<'_>, pattern: &str, at: &serde_saphyr::Location) -> Option<Regex> {
    // Anchored: a regex matches the whole field.
    match Regex::new(&format!("^(?:{pattern})$")) {
        Ok(r) => Some(r),
        Err(e) => {
            c.error(
                at,
                format!(
                    "invalid regex: {}",
                    e.to_string()
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                "regex",
                None,
            );
            None
        }
    }
}
