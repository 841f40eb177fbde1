//! `expect`, `expect_one_of`, `expect_close` and `expect_raw`: what a step accepts, with the
//! variables it captures added to the scope.

use std::collections::HashSet;

use serde_saphyr::{Location as YamlLocation, Spanned};
use wire::{Field, ServerVerb};

use super::DEFAULT_EXPECT_TIMEOUT;
use super::diagnostics::Diagnostics;
use super::raw_match::raw_matcher;
use super::scenario::Scope;
use super::step::{self, Key, repeat, timeout};
use super::values::{field_matcher, payload_source};
use crate::scenario::model::{
    CloseKind, Expect, ExpectRaw, Expectation, MessageMatcher, PayloadMatcher, Transport,
};
use crate::scenario::raw::RawStep;

/// The scenario keys of the fields a matcher or capture may name.
const FIELD_KEYS: &[(&str, Field)] = &[
    ("name", Field::Name),
    ("text", Field::Text),
    ("token", Field::Token),
    ("code", Field::Code),
];

/// Checks an `expect`, `expect_close` or `expect_one_of` step and builds it.
pub(super) fn load(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    s: &RawStep,
    action: Key,
    at: &YamlLocation,
) -> Option<Expect> {
    let conn = scope.conn(d, s.on.as_ref(), at);
    let udp = scope.transport(conn) == Transport::Udp;
    let alternatives = match &s.expect_one_of {
        Some(alts) if action == Key::ExpectOneOf => one_of(d, scope, alts, udp)?,
        _ => {
            let e = expectation(d, scope, s, udp)?;
            scope.text_vars.extend(e.captured().map(str::to_owned));
            vec![e]
        }
    };
    Some(Expect {
        conn,
        alternatives,
        timeout: timeout(s, DEFAULT_EXPECT_TIMEOUT),
        repeat: repeat(d, s),
    })
}

/// The alternatives of `expect_one_of`: two or more. A variable is known afterwards only if
/// every alternative captures it.
fn one_of(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    alts: &Spanned<Vec<Spanned<RawStep>>>,
    udp: bool,
) -> Option<Vec<Expectation>> {
    if alts.value.len() < 2 {
        d.error(
            &alts.referenced,
            "`expect_one_of` needs at least two alternatives",
            "here",
            None,
        );
    }
    let mut out = Vec::new();
    for alt in &alts.value {
        let at = alt.referenced;
        let keys = step::keys(&alt.value, at);
        let Some(action) = step::action_of(d, &keys, &at) else {
            continue;
        };
        if !matches!(action, Key::Expect | Key::ExpectClose) {
            d.error(
                &at,
                format!("`{}` cannot be an alternative", action.as_str()),
                "alternative",
                Some("each alternative is an `expect` or `expect_close`; read raw bytes in a step of its own"),
            );
            continue;
        }
        if step::check_alternative(d, action, &keys) {
            out.extend(expectation(d, scope, &alt.value, udp));
        }
    }
    let captured: Vec<HashSet<&str>> = out.iter().map(|e| e.captured().collect()).collect();
    for var in captured.iter().flatten() {
        if captured.iter().all(|c| c.contains(var)) {
            scope.text_vars.insert((*var).to_owned());
        } else {
            scope.partial_vars.insert((*var).to_owned());
        }
    }
    (out.len() == alts.value.len()).then_some(out)
}

fn expectation(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    s: &RawStep,
    udp: bool,
) -> Option<Expectation> {
    if let Some(close) = &s.expect_close {
        if udp {
            d.error(
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
                d.error(
                    &close.referenced,
                    format!("unknown close kind `{other}`"),
                    "expect_close",
                    Some("use fin, reset or any"),
                );
                None
            }
        };
    }
    let verb_text = s.expect.as_ref()?;
    let Some(verb) = ServerVerb::parse(&verb_text.value) else {
        let verbs: Vec<&str> = ServerVerb::ALL.iter().map(|v| v.as_str()).collect();
        d.error(
            &verb_text.referenced,
            format!("`{}` is not a server verb", verb_text.value),
            "verb",
            Some(&format!("server verbs: {}", verbs.join(" "))),
        );
        return None;
    };
    Some(Expectation::Message(MessageMatcher {
        verb,
        fields: fields(d, scope, s, verb),
        payload: payload(d, scope, s, verb),
        captures: captures(d, s, verb),
    }))
}

fn fields(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    s: &RawStep,
    verb: ServerVerb,
) -> Vec<(Field, crate::scenario::model::FieldMatcher)> {
    let mut out = Vec::new();
    for ((key, field), raw) in FIELD_KEYS.iter().zip([&s.name, &s.text, &s.token, &s.code]) {
        let Some(raw) = raw else { continue };
        if !verb.fields().contains(field) {
            d.error(
                &raw.referenced,
                format!("{verb} has no `{key}` field"),
                "field",
                None,
            );
            continue;
        }
        out.extend(field_matcher(d, scope, raw, key).map(|m| (*field, m)));
    }
    out
}

fn payload(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    s: &RawStep,
    verb: ServerVerb,
) -> Option<PayloadMatcher> {
    let p = s.payload.as_ref()?;
    if verb != ServerVerb::File {
        d.error(
            &p.referenced,
            format!("{verb} has no payload"),
            "payload",
            None,
        );
        return None;
    }
    let v = &p.value;
    let sources = [v.text.is_some(), v.var.is_some(), v.file.is_some()];
    match (&v.size, &v.sha256) {
        (Some(n), None) if !sources.contains(&true) => Some(PayloadMatcher::Size(*n)),
        (None, Some(h)) if !sources.contains(&true) => {
            Some(PayloadMatcher::Sha256(h.to_ascii_lowercase()))
        }
        (None, None) => payload_source(d, scope, p).map(PayloadMatcher::Equals),
        _ => {
            d.error(
                &p.referenced,
                "a payload matcher is one of `text`, `var`, `file`, `size` or `sha256`",
                "payload",
                None,
            );
            None
        }
    }
}

fn captures(d: &mut Diagnostics<'_>, s: &RawStep, verb: ServerVerb) -> Vec<(String, Field)> {
    let Some(capture) = &s.capture else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (var, field) in &capture.value {
        match FIELD_KEYS.iter().find(|(k, _)| *k == field.value) {
            Some((_, f)) if verb.fields().contains(f) => out.push((var.clone(), *f)),
            _ => d.error(
                &field.referenced,
                format!("{verb} has no `{}` field to capture", field.value),
                "capture",
                None,
            ),
        }
    }
    out
}

/// Checks an `expect_raw` step and builds it.
pub(super) fn load_raw(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    s: &RawStep,
    at: &YamlLocation,
) -> Option<ExpectRaw> {
    let conn = scope.conn(d, s.on.as_ref(), at);
    let raw = s.expect_raw.as_ref()?;
    let udp = scope.transport(conn) == Transport::Udp;
    let matcher = raw_matcher(d, scope, raw, "expect_raw", udp)?;
    Some(ExpectRaw {
        conn,
        matcher,
        timeout: timeout(s, DEFAULT_EXPECT_TIMEOUT),
    })
}
