//! Matching what arrived against what a step expects, and saying both in words a student can act
//! on.

use sha2::{Digest, Sha256};
use wire::ServerMessage;

use super::conn::Event;
use super::vars::Vars;
use crate::scenario::{
    CloseKind, Expectation, FieldName, Matcher, PayloadMatcher, PayloadSource, Suite, Verb,
};

/// The verb of a server message.
fn verb_of(m: &ServerMessage) -> Verb {
    match m {
        ServerMessage::Welcome(_) => Verb::Welcome,
        ServerMessage::Ok(_) => Verb::Ok,
        ServerMessage::From { .. } => Verb::From,
        ServerMessage::File(_) => Verb::File,
        ServerMessage::Pong(_) => Verb::Pong,
        ServerMessage::Bye(_) => Verb::Bye,
        ServerMessage::Err { .. } => Verb::Err,
    }
}

/// A field of a server message, if the message has it.
fn field_of(m: &ServerMessage, field: FieldName) -> Option<String> {
    match (m, field) {
        (ServerMessage::Welcome(t), FieldName::Text) => Some(t.to_string()),
        (ServerMessage::Ok(t) | ServerMessage::Bye(t), FieldName::Text) => {
            t.as_ref().map(ToString::to_string)
        }
        (ServerMessage::From { name, .. }, FieldName::Name) => Some(name.to_string()),
        (ServerMessage::From { text, .. } | ServerMessage::Err { text, .. }, FieldName::Text) => {
            Some(text.to_string())
        }
        (ServerMessage::Pong(t), FieldName::Token) => t.as_ref().map(ToString::to_string),
        (ServerMessage::Err { code, .. }, FieldName::Code) => Some(code.to_string()),
        _ => None,
    }
}

/// The bytes a payload source stands for.
pub fn payload_bytes(source: &PayloadSource, vars: &Vars, suite: &Suite) -> Option<bytes::Bytes> {
    match source {
        PayloadSource::Text(t) => Some(t.render(|v| vars.text(v)).into_bytes().into()),
        PayloadSource::Var(v) => vars.bytes(v),
        PayloadSource::File(f) => suite.file(f).map(|f| f.content.clone()),
    }
}

/// Why a message did not match: `None` if it did.
fn mismatch(
    expected: &Expectation,
    m: &ServerMessage,
    vars: &Vars,
    suite: &Suite,
) -> Option<String> {
    let Expectation::Message {
        verb,
        fields,
        payload,
        ..
    } = expected
    else {
        return Some("a message arrived".to_owned());
    };
    if verb_of(m) != *verb {
        return Some(format!(
            "the verb is {}, not {}",
            verb_of(m).as_str(),
            verb.as_str()
        ));
    }
    for (field, matcher) in fields {
        let value = field_of(m, *field);
        let problem = match (matcher, &value) {
            (Matcher::Any, _) => None,
            (Matcher::Absent, None) => None,
            (Matcher::Absent, Some(v)) => Some(format!("has `{v}`, where nothing was expected")),
            (_, None) => Some("is missing".to_owned()),
            (Matcher::Exact(t), Some(v)) => {
                let want = t.render(|n| vars.text(n));
                (want != *v).then(|| format!("is `{v}`, not `{want}`"))
            }
            (Matcher::Regex(r), Some(v)) => (!r.is_match(v))
                .then(|| format!("`{v}` does not match /{}/", strip_anchors(r.as_str()))),
        };
        if let Some(p) = problem {
            return Some(format!("its {} {p}", field.as_str()));
        }
    }
    if let (Some(p), ServerMessage::File(got)) = (payload, m) {
        match p {
            PayloadMatcher::Size(n) if got.len() as u64 != *n => {
                return Some(format!("its payload has {} bytes, not {n}", got.len()));
            }
            PayloadMatcher::Sha256(h) => {
                let actual = hex(&Sha256::digest(got));
                if actual != *h {
                    return Some(format!("its payload's SHA-256 is {actual}, not {h}"));
                }
            }
            PayloadMatcher::Equals(source) => {
                let want = payload_bytes(source, vars, suite).unwrap_or_default();
                if want.len() != got.len() {
                    return Some(format!(
                        "its payload has {} bytes, not {}",
                        got.len(),
                        want.len()
                    ));
                }
                if let Some(i) = want.iter().zip(got.iter()).position(|(a, b)| a != b) {
                    return Some(format!(
                        "its payload differs from byte {i} on (0x{:02x}, not 0x{:02x})",
                        got[i], want[i]
                    ));
                }
            }
            PayloadMatcher::Size(_) => {}
        }
    }
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn strip_anchors(s: &str) -> &str {
    s.strip_prefix("^(?:")
        .and_then(|s| s.strip_suffix(")$"))
        .unwrap_or(s)
}

/// Tries each alternative against the event; on success, applies the captures.
pub fn check(
    alternatives: &[Expectation],
    event: &Event,
    vars: &mut Vars,
    suite: &Suite,
) -> Result<(), String> {
    let mut reasons = Vec::new();
    for alt in alternatives {
        let reason = match (alt, event) {
            (Expectation::Message { captures, .. }, Event::Message { message, .. }) => {
                match mismatch(alt, message, vars, suite) {
                    None => {
                        for (var, field) in captures {
                            if let Some(v) = field_of(message, *field) {
                                vars.set(var, v);
                            }
                        }
                        return Ok(());
                    }
                    Some(r) => r,
                }
            }
            (Expectation::Close(want), Event::Closed(got)) => {
                if *want == CloseKind::Any || want == got {
                    return Ok(());
                }
                format!("the close was a {}", close_word(*got))
            }
            _ => String::new(),
        };
        if !reason.is_empty() {
            reasons.push(reason);
        }
    }
    Err(reasons.join("; "))
}

fn close_word(k: CloseKind) -> &'static str {
    match k {
        CloseKind::Fin => "FIN (orderly close)",
        CloseKind::Reset => "reset (RST)",
        CloseKind::Any => "close",
    }
}

/// An expectation in words: `WELCOME <text: /.+/>`, `ERR 404 <text>`, `the connection to close`.
pub fn describe(e: &Expectation, vars: &Vars) -> String {
    match e {
        Expectation::Message {
            verb,
            fields,
            payload,
            ..
        } => {
            let mut out = verb.as_str().to_owned();
            for field in verb.fields() {
                let shown = match fields.iter().find(|(f, _)| f == field).map(|(_, m)| m) {
                    Some(Matcher::Exact(t)) => t.render(|n| vars.text(n)),
                    Some(Matcher::Regex(r)) => format!(
                        "<{} matching /{}/>",
                        field.as_str(),
                        strip_anchors(r.as_str())
                    ),
                    Some(Matcher::Absent) => continue,
                    Some(Matcher::Any) | None => format!("<{}>", field.as_str()),
                };
                out += " ";
                out += &shown;
            }
            match payload {
                Some(PayloadMatcher::Size(n)) => out += &format!(" <{n} bytes>"),
                Some(PayloadMatcher::Sha256(h)) => {
                    out += &format!(" <bytes with SHA-256 {}…>", &h[..h.len().min(12)])
                }
                Some(PayloadMatcher::Equals(PayloadSource::File(f))) => {
                    out += &format!(" <the bytes of {f}>")
                }
                Some(PayloadMatcher::Equals(_)) => out += " <the bytes sent>",
                None if *verb == Verb::File => out += " <size> <bytes>",
                None => {}
            }
            out
        }
        Expectation::Raw(_) => "raw bytes".to_owned(),
        Expectation::Close(k) => format!("the server to close the connection ({})", close_word(*k)),
    }
}

/// What arrived, in words, and its bytes when it has any.
pub fn describe_event(event: &Event) -> (String, Option<bytes::Bytes>) {
    match event {
        Event::Message { message, raw } => {
            let shown = match message.payload() {
                Some(p) => format!("{message} <{} bytes>", p.len()),
                None => message.to_string(),
            };
            (shown, Some(raw.clone()))
        }
        Event::Malformed(m) => (
            format!(
                "a line that is not a valid server message: {} (byte {} of the stream)",
                m.kind, m.offset
            ),
            Some(m.line.clone()),
        ),
        Event::Closed(k) => (
            format!("the server closed the connection ({})", close_word(*k)),
            None,
        ),
        Event::Timeout { partial } if partial.is_empty() => {
            ("nothing, before the deadline".to_owned(), None)
        }
        Event::Timeout { partial } => (
            format!(
                "{} bytes with no line end, then nothing before the deadline",
                partial.len()
            ),
            Some(partial.clone()),
        ),
        Event::Broken(why) => (why.clone(), None),
    }
}
