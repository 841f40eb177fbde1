//! Steps on the program's other channels: `start`, `write_stdin`, `close_stdin`,
//! `expect_stdout`, `expect_stderr`, `expect_exit`, `expect_file`.

use serde_saphyr::{Location as YamlLocation, Spanned};

use super::DEFAULT_EXPECT_TIMEOUT;
use super::diagnostics::Diagnostics;
use super::raw_match::raw_matcher;
use super::scenario::Scope;
use super::step::{Key, timeout};
use super::values::template;
use crate::scenario::model::{Action, ProgramId, Stream};
use crate::scenario::raw::{RawExit, RawStep};

/// The instance every run has.
pub(super) const DEFAULT_PROGRAM: &str = "program";

/// Checks a program step and builds it.
pub(super) fn load(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    s: &RawStep,
    action: Key,
    at: &YamlLocation,
) -> Option<Action> {
    let program = instance(d, scope, s.program.as_ref(), action);
    let timeout = timeout(s, DEFAULT_EXPECT_TIMEOUT);
    Some(match action {
        Key::Start => start(d, scope, s, at)?,
        Key::WriteStdin => {
            let text = s.write_stdin.as_ref()?;
            Action::WriteStdin {
                program,
                data: template(d, scope, &text.value, true, &text.referenced, "write_stdin")?,
                timeout,
            }
        }
        Key::CloseStdin => Action::CloseStdin(instance(d, scope, s.close_stdin.as_ref(), action)),
        Key::ExpectStdout | Key::ExpectStderr => {
            let (raw, stream) = match &s.expect_stdout {
                Some(m) => (m, Stream::Stdout),
                None => (s.expect_stderr.as_ref()?, Stream::Stderr),
            };
            Action::ExpectOutput {
                program,
                stream,
                matcher: raw_matcher(d, scope, raw, action.as_str(), false)?,
                timeout,
            }
        }
        Key::ExpectExit => Action::ExpectExit {
            program,
            code: exit_code(d, s.expect_exit.as_ref()?)?,
            timeout,
        },
        _ => {
            let f = s.expect_file.as_ref()?;
            let matcher = Spanned {
                value: f.value.matcher(),
                referenced: f.referenced,
                defined: f.defined,
            };
            Action::ExpectFile {
                program,
                path: file_path(d, scope, &f.value.path, &f.referenced)?,
                matcher: raw_matcher(d, scope, &matcher, "expect_file", false)?,
                timeout,
            }
        }
    })
}

/// Values that stand for every variable while a path is checked at load time.
struct Sample;

impl crate::scenario::VarSource for Sample {
    fn value(&self, _: &str) -> Option<&[u8]> {
        Some(b"name")
    }
}

/// `start: NAME`, optionally `on: LISTENER` (the listener whose port a client is given).
fn start(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    s: &RawStep,
    at: &YamlLocation,
) -> Option<Action> {
    let name = s.start.as_ref()?;
    scope.starts_programs = true;
    let program = match scope.programs.iter().position(|p| *p == name.value) {
        Some(_) if name.value != DEFAULT_PROGRAM => {
            d.error(
                &name.referenced,
                format!("`{}` is started twice", name.value),
                "start",
                Some("give each instance its own name"),
            );
            return None;
        }
        Some(i) => ProgramId(i),
        None => {
            scope.programs.push(name.value.clone());
            ProgramId(scope.programs.len() - 1)
        }
    };
    let listener = match &s.on {
        Some(on) => {
            let id = scope.conn(d, Some(on), at);
            if !scope.connections[id.index()].listen {
                d.error(
                    &on.referenced,
                    format!(
                        "`{}` is not a listener: `start` takes the port of one",
                        on.value
                    ),
                    "on",
                    Some("declare it as `tcp-listener` or `udp-listener`"),
                );
            }
            Some(id)
        }
        None => None,
    };
    Some(Action::Start { program, listener })
}

/// The instance a step names (`program: NAME`), or the default one.
fn instance(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    named: Option<&Spanned<String>>,
    action: Key,
) -> ProgramId {
    let Some(named) = named else {
        return ProgramId(0);
    };
    match scope.programs.iter().position(|p| *p == named.value) {
        Some(i) => ProgramId(i),
        None => {
            d.error(
                &named.referenced,
                format!("no instance `{}` has been started", named.value),
                action.as_str(),
                Some("`start: NAME` first; without a name, a step acts on `program`"),
            );
            ProgramId(0)
        }
    }
}

fn exit_code(d: &mut Diagnostics<'_>, raw: &Spanned<RawExit>) -> Option<Option<i32>> {
    match &raw.value {
        RawExit::Code(c) => Some(Some(*c)),
        RawExit::Word(w) if w == "any" => Some(None),
        RawExit::Word(w) => {
            d.error(
                &raw.referenced,
                format!("`expect_exit` takes a status code or `any`, not `{w}`"),
                "expect_exit",
                None,
            );
            None
        }
    }
}

/// A path in the working folder: relative, inside it. With variables, it is checked once they
/// have values, when the step runs; here, with each variable standing for a plain name.
fn file_path(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    path: &str,
    at: &YamlLocation,
) -> Option<crate::scenario::Template> {
    let t = template(d, scope, path, false, at, "expect_file")?;
    let sample = t.render_text(&Sample).unwrap_or_default();
    match wire::path::RelativePath::parse(&sample) {
        Ok(_) => Some(t),
        Err(e) => {
            d.error(
                at,
                format!("`{path}` is not a path inside the program's folder: {e}"),
                "expect_file",
                None,
            );
            None
        }
    }
}
