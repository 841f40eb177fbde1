//! One step: which keys it holds, computed once; exactly one of them an action; only the
//! modifiers that mean something on that action. The action's value is checked by `send` or
//! `expect`.

use std::time::Duration;

use serde_saphyr::{Location as YamlLocation, Spanned};

use super::diagnostics::Diagnostics;
use super::scenario::Scope;
use super::{DEFAULT_EXPECT_TIMEOUT, expect, program, send};
use crate::scenario::model::{Action, Step, Transport};
use crate::scenario::raw::RawStep;

macro_rules! keys {
    (actions { $($a:ident = $atext:literal,)* } modifiers { $($m:ident = $mtext:literal,)* }) => {
        /// A key of a step, action or modifier.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum Key {
            $($a,)*
            $($m,)*
        }

        /// The keys that are actions: a step has exactly one.
        const ACTIONS: &[Key] = &[$(Key::$a,)*];

        impl Key {
            /// As written in a scenario file.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Key::$a => $atext,)*
                    $(Key::$m => $mtext,)*
                }
            }
        }
    };
}

keys! {
    actions {
        Connect = "connect",
        Send = "send",
        SendRaw = "send_raw",
        SendHex = "send_hex",
        HalfClose = "half_close",
        Reset = "reset",
        Expect = "expect",
        ExpectRaw = "expect_raw",
        ExpectClose = "expect_close",
        ExpectOneOf = "expect_one_of",
        ExpectSilence = "expect_silence",
        Barrier = "barrier",
        Pause = "pause",
        Start = "start",
        WriteStdin = "write_stdin",
        CloseStdin = "close_stdin",
        ExpectStdout = "expect_stdout",
        ExpectStderr = "expect_stderr",
        ExpectExit = "expect_exit",
        ExpectFile = "expect_file",
    }
    modifiers {
        On = "on",
        Payload = "payload",
        Split = "split",
        PauseBetween = "pause_between",
        Timeout = "timeout",
        Repeat = "repeat",
        Name = "name",
        Text = "text",
        Token = "token",
        Code = "code",
        Capture = "capture",
        Hint = "hint",
        Program = "program",
    }
}

use Key::*;

impl Key {
    /// The modifiers that mean something on this action.
    fn modifiers(self) -> &'static [Key] {
        match self {
            Send => &[On, Payload, Split, PauseBetween, Timeout, Repeat],
            SendRaw | SendHex => &[On, Split, PauseBetween, Timeout, Repeat],
            Expect => &[
                On, Timeout, Repeat, Name, Text, Token, Code, Payload, Capture,
            ],
            ExpectRaw | ExpectClose => &[On, Timeout],
            ExpectOneOf => &[On, Timeout, Repeat],
            ExpectSilence => &[On],
            Barrier => &[Timeout],
            Start => &[On],
            WriteStdin => &[Program, Timeout],
            ExpectStdout | ExpectStderr | ExpectExit | ExpectFile => &[Program, Timeout],
            _ => &[],
        }
    }

    /// The modifiers an alternative of `expect_one_of` may hold.
    fn alternative_modifiers(self) -> &'static [Key] {
        match self {
            Expect => &[Name, Text, Token, Code, Payload, Capture],
            _ => &[],
        }
    }
}

/// The keys a step holds, each with where it is written.
pub(super) fn keys(s: &RawStep, step_at: YamlLocation) -> Vec<(Key, YamlLocation)> {
    fn at<T>(v: &Option<Spanned<T>>) -> Option<YamlLocation> {
        v.as_ref().map(|s| s.referenced)
    }
    let all = [
        (Connect, at(&s.connect)),
        (Send, at(&s.send)),
        (SendRaw, at(&s.send_raw)),
        (SendHex, at(&s.send_hex)),
        (HalfClose, at(&s.half_close)),
        (Reset, at(&s.reset)),
        (Expect, at(&s.expect)),
        (ExpectRaw, at(&s.expect_raw)),
        (ExpectClose, at(&s.expect_close)),
        (ExpectOneOf, at(&s.expect_one_of)),
        (ExpectSilence, at(&s.expect_silence)),
        (Barrier, at(&s.barrier)),
        (Pause, at(&s.pause)),
        (On, at(&s.on)),
        (Payload, at(&s.payload)),
        (Split, at(&s.split)),
        (PauseBetween, at(&s.pause_between)),
        (Timeout, at(&s.timeout)),
        (Repeat, at(&s.repeat)),
        (Name, at(&s.name)),
        (Text, at(&s.text)),
        (Token, at(&s.token)),
        (Code, at(&s.code)),
        (Capture, at(&s.capture)),
        (Hint, at(&s.hint)),
        (Start, at(&s.start)),
        (WriteStdin, at(&s.write_stdin)),
        (CloseStdin, at(&s.close_stdin)),
        (ExpectStdout, at(&s.expect_stdout)),
        (ExpectStderr, at(&s.expect_stderr)),
        (ExpectExit, at(&s.expect_exit)),
        (ExpectFile, at(&s.expect_file)),
        (Program, at(&s.program)),
    ];
    all.into_iter()
        .filter_map(|(k, at)| at.map(|at| (k, if at.line() == 0 { step_at } else { at })))
        .collect()
}

/// The one action among `keys`, or a recorded problem.
pub(super) fn action_of(
    d: &mut Diagnostics<'_>,
    keys: &[(Key, YamlLocation)],
    step_at: &YamlLocation,
) -> Option<Key> {
    let actions: Vec<Key> = keys
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| ACTIONS.contains(k))
        .collect();
    match actions.as_slice() {
        [one] => Some(*one),
        [] => {
            d.error(
                step_at,
                "a step needs an action",
                "this step",
                Some("e.g. `send`, `expect`, `barrier`: see conformance/README.md"),
            );
            None
        }
        many => {
            let names: Vec<&str> = many.iter().map(|k| k.as_str()).collect();
            d.error(
                step_at,
                format!("a step has one action; this one has {}", names.join(", ")),
                "this step",
                Some("split it into several steps"),
            );
            None
        }
    }
}

/// Records every modifier that means nothing on `action`.
fn check_modifiers(d: &mut Diagnostics<'_>, action: Key, keys: &[(Key, YamlLocation)]) {
    for (key, at) in keys {
        // A hint goes on any step: it is what a student reads when that step fails.
        if ACTIONS.contains(key) || *key == Hint || action.modifiers().contains(key) {
            continue;
        }
        let takers: Vec<&str> = ACTIONS
            .iter()
            .filter(|a| a.modifiers().contains(key))
            .map(|a| a.as_str())
            .collect();
        d.error(
            at,
            format!("`{}` means nothing on `{}`", key.as_str(), action.as_str()),
            key.as_str(),
            Some(&format!(
                "`{}` goes with {}",
                key.as_str(),
                takers.join(", ")
            )),
        );
    }
}

/// Records every key an `expect_one_of` alternative may not hold.
pub(super) fn check_alternative(
    d: &mut Diagnostics<'_>,
    action: Key,
    keys: &[(Key, YamlLocation)],
) -> bool {
    let mut ok = true;
    for (key, at) in keys.iter().filter(|(k, _)| *k != action) {
        if action.alternative_modifiers().contains(key) {
            continue;
        }
        ok = false;
        let message = match key {
            On | Timeout => {
                "`on` and `timeout` go on the `expect_one_of` step, not its alternatives".to_owned()
            }
            _ => format!(
                "`{}` means nothing in an alternative of `{}`",
                key.as_str(),
                action.as_str()
            ),
        };
        d.error(at, message, "alternative", None);
    }
    ok
}

/// Checks one step and builds it, or records why it cannot be built.
pub(super) fn load(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    step: &Spanned<RawStep>,
) -> Option<Step> {
    let at = step.referenced;
    let s = &step.value;
    let keys = keys(s, at);
    let action = action_of(d, &keys, &at)?;
    check_modifiers(d, action, &keys);
    if s.pause_between.is_some() && s.split.is_none() && action.modifiers().contains(&Split) {
        d.error(
            &at,
            "`pause_between` needs `split`",
            "this step",
            Some("without `split` the bytes go in one write"),
        );
    }
    let action = build(d, scope, s, action, &at)?;
    let location = d.source.location(&at);
    Some(Step {
        source_line: d.source.line(location.line).to_owned(),
        location,
        hint: s.hint.as_ref().map(|h| h.value.clone()),
        action,
    })
}

/// The `timeout` of a step, or `default`.
pub(super) fn timeout(s: &RawStep, default: Duration) -> Duration {
    s.timeout
        .as_ref()
        .map_or(default, |t| Duration::from_millis(t.value))
}

/// The `repeat` of a step: at least 1.
pub(super) fn repeat(d: &mut Diagnostics<'_>, s: &RawStep) -> u32 {
    match &s.repeat {
        Some(r) if r.value == 0 => {
            d.error(&r.referenced, "`repeat` is at least 1", "repeat", None);
            1
        }
        Some(r) => r.value,
        None => 1,
    }
}

fn build(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    s: &RawStep,
    action: Key,
    at: &YamlLocation,
) -> Option<Action> {
    Some(match action {
        Connect | HalfClose | Reset | Barrier => {
            let named = s
                .connect
                .as_ref()
                .or(s.half_close.as_ref())
                .or(s.reset.as_ref())
                .or(s.barrier.as_ref());
            let conn = scope.conn(d, named, at);
            if scope.transport(conn) == Transport::Udp && matches!(action, HalfClose | Reset) {
                let name = &scope.connections[conn.index()].name;
                d.error(
                    at,
                    format!(
                        "`{}` needs a TCP connection; `{name}` is UDP",
                        action.as_str()
                    ),
                    "this step",
                    None,
                );
            }
            match action {
                Connect => Action::Connect(conn),
                HalfClose => Action::HalfClose(conn),
                Reset => Action::Reset(conn),
                _ => Action::Barrier {
                    conn,
                    timeout: timeout(s, DEFAULT_EXPECT_TIMEOUT),
                },
            }
        }
        Pause => Action::Pause(Duration::from_millis(
            s.pause.as_ref().map_or(0, |p| p.value),
        )),
        ExpectSilence => Action::Silence {
            conn: scope.conn(d, s.on.as_ref(), at),
            window: Duration::from_millis(s.expect_silence.as_ref().map_or(0, |p| p.value)),
        },
        Send | SendRaw | SendHex => Action::Send(send::load(d, scope, s, at)?),
        Start | WriteStdin | CloseStdin | ExpectStdout | ExpectStderr | ExpectExit | ExpectFile => {
            program::load(d, scope, s, action, at)?
        }
        ExpectRaw => Action::ExpectRaw(expect::load_raw(d, scope, s, at)?),
        _ => Action::Expect(expect::load(d, scope, s, action, at)?),
    })
}
