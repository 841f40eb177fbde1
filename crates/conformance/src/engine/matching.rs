//! Matching what arrived against what a step expects: a verdict and, on a mismatch, which part
//! differed, as data. The expectation is also put in words here, with variables substituted.

use bytes::Bytes;
use sha2::{Digest, Sha256};
use wire::{Field, ServerMessage, ServerVerb};

use super::conn::Event;
use super::vars::Vars;
use crate::outcome::{Mismatch, Observation};
use crate::scenario::{
    Expectation, FieldMatcher, MessageMatcher, PayloadMatcher, PayloadSource, Suite, UnsetVar,
};

/// The bytes a payload source stands for; `None` for a suite file that does not exist.
pub fn payload_bytes(
    source: &PayloadSource,
    vars: &Vars,
    suite: &Suite,
) -> Result<Option<Bytes>, UnsetVar> {
    Ok(match source {
        PayloadSource::Text(t) => Some(t.render(vars)?.into()),
        PayloadSource::Var(v) => vars.bytes(v),
        PayloadSource::File(f) => suite.file(f).map(|f| f.content.clone()),
    })
}

/// The regex as written in the scenario: without the anchors the loader added.
pub fn pattern(r: &regex::Regex) -> &str {
    let s = r.as_str();
    s.strip_prefix("^(?:")
        .and_then(|s| s.strip_suffix(")$"))
        .unwrap_or(s)
}

/// Why a message does not match `m`: empty if it does.
fn mismatches(
    m: &MessageMatcher,
    got: &ServerMessage,
    vars: &Vars,
    suite: &Suite,
) -> Result<Option<Mismatch>, UnsetVar> {
    if got.verb() != m.verb {
        return Ok(Some(Mismatch::Verb {
            got: got.verb(),
            want: m.verb,
        }));
    }
    for (field, matcher) in &m.fields {
        if let Some(problem) = field_mismatch(*field, matcher, got, vars)? {
            return Ok(Some(problem));
        }
    }
    match (&m.payload, got) {
        (Some(p), ServerMessage::File(bytes)) => payload_mismatch(p, bytes, vars, suite),
        _ => Ok(None),
    }
}

fn field_mismatch(
    field: Field,
    matcher: &FieldMatcher,
    got: &ServerMessage,
    vars: &Vars,
) -> Result<Option<Mismatch>, UnsetVar> {
    let value = got.field(field).map(|v| v.into_owned());
    Ok(match (matcher, value) {
        (FieldMatcher::Any, _) | (FieldMatcher::Absent, None) => None,
        (FieldMatcher::Absent, Some(got)) => Some(Mismatch::FieldPresent { field, got }),
        (_, None) => Some(Mismatch::FieldMissing { field }),
        (FieldMatcher::Exact(t), Some(got)) => {
            let want = t.render_text(vars)?;
            (want != got).then_some(Mismatch::FieldDiffers { field, got, want })
        }
        (FieldMatcher::Regex(r), Some(got)) => {
            (!r.is_match(&got)).then(|| Mismatch::FieldPattern {
                field,
                got,
                pattern: pattern(r).to_owned(),
            })
        }
    })
}

fn payload_mismatch(
    p: &PayloadMatcher,
    got: &Bytes,
    vars: &Vars,
    suite: &Suite,
) -> Result<Option<Mismatch>, UnsetVar> {
    let size = got.len() as u64;
    Ok(match p {
        PayloadMatcher::Size(want) => (size != *want).then_some(Mismatch::PayloadSize {
            got: size,
            want: *want,
        }),
        PayloadMatcher::Sha256(want) => {
            let actual: String = Sha256::digest(got)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (actual != *want).then(|| Mismatch::PayloadDigest {
                got: actual,
                want: want.clone(),
            })
        }
        PayloadMatcher::Equals(source) => {
            let want = payload_bytes(source, vars, suite)?.unwrap_or_default();
            if want.len() != got.len() {
                Some(Mismatch::PayloadSize {
                    got: size,
                    want: want.len() as u64,
                })
            } else {
                want.iter()
                    .zip(got.iter())
                    .position(|(a, b)| a != b)
                    .map(|i| Mismatch::PayloadByte {
                        offset: i as u64,
                        got: got[i],
                        want: want[i],
                    })
            }
        }
    })
}

/// Tries each alternative against the event; on success, applies its captures. On failure,
/// the reasons of the alternatives that got as far as comparing.
pub fn check(
    alternatives: &[Expectation],
    event: &Event,
    vars: &mut Vars,
    suite: &Suite,
) -> Result<Result<(), Vec<Mismatch>>, UnsetVar> {
    let mut reasons = Vec::new();
    for alt in alternatives {
        match (alt, event) {
            (Expectation::Message(m), Event::Message { message, .. }) => {
                match mismatches(m, message, vars, suite)? {
                    None => {
                        for (var, field) in &m.captures {
                            if let Some(v) = message.field(*field) {
                                vars.set(var, v.into_owned());
                            }
                        }
                        return Ok(Ok(()));
                    }
                    Some(r) => reasons.push(r),
                }
            }
            (Expectation::Close(want), Event::Closed(got)) if want.accepts(*got) => {
                return Ok(Ok(()));
            }
            (Expectation::Close(_), Event::Closed(got)) => {
                reasons.push(Mismatch::Close { got: *got })
            }
            _ => {}
        }
    }
    Ok(Err(reasons))
}

/// What an event is, as an observation, and its bytes when it has any.
pub fn observe(event: &Event) -> (Observation, Option<Bytes>) {
    match event {
        Event::Message { message, raw } => (
            Observation::Message {
                line: message.to_string(),
                payload: message.payload().map(|p| p.len() as u64),
            },
            Some(raw.clone()),
        ),
        Event::Malformed(m) => (
            Observation::Malformed {
                why: m.kind.to_string(),
                offset: m.offset,
            },
            Some(m.line.clone()),
        ),
        Event::Closed(how) => (Observation::Closed { how: *how }, None),
        Event::Timeout { len: 0, .. } => (Observation::Nothing, None),
        Event::Timeout { partial, len } => (
            Observation::Incomplete { len: *len as u64 },
            Some(partial.clone()),
        ),
        Event::PayloadTimeout {
            line,
            announced,
            arrived,
            partial,
        } => (
            Observation::PayloadCut {
                line: String::from_utf8_lossy(line).trim_end().to_owned(),
                announced: *announced,
                arrived: *arrived,
            },
            Some(partial.clone()),
        ),
        Event::Broken(why) => (Observation::Broken { why: why.clone() }, None),
    }
}

/// An expectation in words: `WELCOME <text: /.+/>`, `ERR 404 <text>`, `the server to close
/// the connection`; `peer` names the program under test (`the server`, `the client`).
pub fn describe(e: &Expectation, vars: &Vars, peer: &str) -> String {
    match e {
        Expectation::Message(m) => describe_message(m, vars),
        Expectation::Close(k) => format!(
            "{peer} to close the connection ({})",
            crate::report::words::close(*k)
        ),
    }
}

fn describe_message(m: &MessageMatcher, vars: &Vars) -> String {
    let mut out = m.verb.as_str().to_owned();
    for field in m.verb.fields().iter().filter(|f| **f != Field::Size) {
        let shown = match m.fields.iter().find(|(f, _)| f == field).map(|(_, m)| m) {
            Some(FieldMatcher::Exact(t)) => {
                t.render_text(vars).unwrap_or_else(|_| t.source.clone())
            }
            Some(FieldMatcher::Regex(r)) => format!("<{field} matching /{}/>", pattern(r)),
            Some(FieldMatcher::Absent) => continue,
            Some(FieldMatcher::Any) | None => format!("<{field}>"),
        };
        out += " ";
        out += &shown;
    }
    match &m.payload {
        Some(PayloadMatcher::Size(n)) => out += &format!(" <{n} bytes>"),
        Some(PayloadMatcher::Sha256(h)) => {
            out += &format!(" <bytes with SHA-256 {}…>", &h[..h.len().min(12)]);
        }
        Some(PayloadMatcher::Equals(PayloadSource::File(f))) => {
            out += &format!(" <the bytes of {f}>");
        }
        Some(PayloadMatcher::Equals(_)) => out += " <the bytes sent>",
        None if m.verb == ServerVerb::File => out += " <size> <bytes>",
        None => {}
    }
    out
}

#[cfg(test)]
mod tests;
