//! `send`, `send_raw`, `send_hex`: the bytes of a step lowered to a typed form at load time. A
//! `send` line is checked with `wire` (variables replaced by a stand-in), so a typo fails here,
//! not in a run.

use bytes::{Bytes, BytesMut};
use serde_saphyr::{Location as YamlLocation, Spanned};
use wire::{ClientMessage, ClientVerb, Decoded, Decoder, Field, Limits, MalformedKind};

use super::diagnostics::Diagnostics;
use super::scenario::Scope;
use super::step::{repeat, timeout};
use super::values::{payload_source, template};
use super::{DEFAULT_SEND_TIMEOUT, DEFAULT_SPLIT_PAUSE};
use crate::scenario::model::{Send, SendData, SendItem, Split, Template};
use crate::scenario::raw::{OneOrMany, RawSendRaw, RawSplit, RawStep};

/// What a variable stands for while a line is checked.
const STAND_IN: &str = "x1";

/// Checks a send step and builds it.
pub(super) fn load(
    d: &mut Diagnostics<'_>,
    scope: &mut Scope<'_>,
    s: &RawStep,
    at: &YamlLocation,
) -> Option<Send> {
    let conn = scope.conn(d, s.on.as_ref(), at);
    let data = if let Some(hex) = &s.send_hex {
        SendData::Hex(hex_bytes(d, hex)?)
    } else if let Some(raw) = &s.send_raw {
        match &raw.value {
            RawSendRaw::Text(text) => {
                let t = template(d, scope, text, true, &raw.referenced, "send_raw")?;
                scope.broadcasts |= sends_msg(&stand_in(&t));
                SendData::Raw(t)
            }
            RawSendRaw::File(f) => {
                let Some(file) = scope.files.iter().find(|sf| sf.path == f.file) else {
                    d.error(
                        &raw.referenced,
                        format!("the suite has no file `{}`", f.file),
                        "send_raw",
                        Some("files are declared in suite.yaml"),
                    );
                    return None;
                };
                scope.broadcasts |= sends_msg(&file.content);
                SendData::File(f.file.clone())
            }
        }
    } else {
        SendData::Messages(messages(d, scope, s)?)
    };
    if let SendData::Hex(b) = &data {
        scope.broadcasts |= sends_msg(b);
    }
    Some(Send {
        conn,
        data,
        split: split(d, s),
        pause: s.pause_between.as_ref().map_or(DEFAULT_SPLIT_PAUSE, |p| {
            std::time::Duration::from_millis(p.value)
        }),
        timeout: timeout(s, DEFAULT_SEND_TIMEOUT),
        repeat: repeat(d, s),
    })
}

/// Whether bytes hold a line that starts with `MSG`: a relay reaches every introduced client.
/// Malformed ones count too: a lenient server may relay them.
fn sends_msg(bytes: &[u8]) -> bool {
    bytes.split(|&b| b == b'\n').any(|l| l.starts_with(b"MSG"))
}

/// The bytes of a template with every variable replaced by the stand-in.
fn stand_in(t: &Template) -> Vec<u8> {
    struct StandIn;
    impl crate::scenario::model::VarSource for StandIn {
        fn value(&self, _: &str) -> Option<&[u8]> {
            Some(STAND_IN.as_bytes())
        }
    }
    t.render(&StandIn).unwrap_or_default()
}

fn hex_bytes(d: &mut Diagnostics<'_>, hex: &Spanned<String>) -> Option<Bytes> {
    let digits: Vec<u8> = hex
        .value
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .filter(|p| p.len() == 2)
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect::<Option<Vec<u8>>>();
    if bytes.is_none() {
        d.error(
            &hex.referenced,
            "`send_hex` takes pairs of hex digits",
            "hex",
            Some("e.g. `48 45 4c 4c 4f 0a`"),
        );
    }
    bytes.map(Bytes::from)
}

fn split(d: &mut Diagnostics<'_>, s: &RawStep) -> Split {
    let Some(sp) = &s.split else {
        return Split::None;
    };
    match &sp.value {
        RawSplit::Mode(m) if m == "bytes" => Split::Bytes,
        RawSplit::At(cuts) if cuts.windows(2).all(|w| w[0] < w[1]) => Split::At(cuts.clone()),
        _ => {
            d.error(
                &sp.referenced,
                "`split` is `bytes` or a list of increasing offsets",
                "split",
                None,
            );
            Split::None
        }
    }
}

/// The client messages of a `send`, each checked; the payload goes to its first `PUT`.
fn messages(d: &mut Diagnostics<'_>, scope: &mut Scope<'_>, s: &RawStep) -> Option<Vec<SendItem>> {
    let send = s.send.as_ref()?;
    let at = &send.referenced;
    let lines: Vec<&str> = match &send.value {
        OneOrMany::One(l) => vec![l.as_str()],
        OneOrMany::Many(ls) => ls.iter().map(String::as_str).collect(),
    };
    let mut payload = match &s.payload {
        Some(p) => Some((payload_source(d, scope, p)?, p.referenced)),
        None => None,
    };
    let mut items = Vec::new();
    for line in lines {
        let t = template(d, scope, line, false, at, "send")?;
        let (verb, sized) = checked_verb(d, &t, s.payload.is_some(), at)?;
        scope.broadcasts |= verb == ClientVerb::Msg;
        let item = match (verb, sized, payload.take()) {
            (ClientVerb::Put, true, Some((payload, _))) => SendItem::Announced { line: t, payload },
            (ClientVerb::Put, false, Some((payload, _))) => {
                let path = line.strip_prefix("PUT ").unwrap_or(line);
                SendItem::Put {
                    path: template(d, scope, path, false, at, "send")?,
                    payload,
                }
            }
            (ClientVerb::Put, false, None) => {
                d.error(
                    at,
                    "one `payload` can size one `PUT <path>` line; this send has several",
                    "this send",
                    Some("split the send, or give each PUT its size and raw bytes with `send_raw`"),
                );
                return None;
            }
            (_, _, unused) => {
                payload = unused;
                SendItem::Line(t)
            }
        };
        items.push(item);
    }
    if let Some((_, p_at)) = payload {
        d.error(
            &p_at,
            "this send has no `PUT` line for its `payload`",
            "payload",
            Some("a payload goes with `PUT <path>` (sized by it) or `PUT <path> <size>`"),
        );
    }
    Some(items)
}

/// The verb of a line, checked by `wire` with stand-in values; for a `PUT`, whether it
/// announces its size itself. `with_payload`: a `PUT <path>` may leave the size to the payload.
fn checked_verb(
    d: &mut Diagnostics<'_>,
    t: &Template,
    with_payload: bool,
    at: &YamlLocation,
) -> Option<(ClientVerb, bool)> {
    let mut buf = BytesMut::from(&stand_in(t)[..]);
    buf.extend_from_slice(b"\n");
    let mut decoder = Decoder::<ClientMessage>::new(Limits::default());
    let source = &t.source;
    match decoder.decode(&mut buf) {
        Ok(Some(Decoded::Message(m))) => Some((m.verb(), true)),
        Ok(Some(Decoded::Malformed(m)))
            if with_payload
                && m.kind == MalformedKind::MissingField(Field::Size)
                && source.starts_with("PUT ") =>
        {
            Some((ClientVerb::Put, false))
        }
        Ok(Some(Decoded::Malformed(m))) => {
            d.error(
                at,
                format!("`{source}` is not a valid client message: {}", m.kind),
                "this send",
                Some("`send` takes protocol lines; use `send_raw` to send malformed bytes on purpose"),
            );
            None
        }
        // A PUT with a written size: `payload:` supplies the bytes (as many as it holds).
        Ok(None) if with_payload => Some((ClientVerb::Put, true)),
        Ok(None) => {
            d.error(
                at,
                "this line announces bytes; give them with `payload:`",
                "this send",
                Some("or write `PUT <path>` and let the payload set the size"),
            );
            None
        }
        Err(e) => {
            d.error(
                at,
                format!("`{source}` breaks a limit: {e}"),
                "this send",
                None,
            );
            None
        }
    }
}
