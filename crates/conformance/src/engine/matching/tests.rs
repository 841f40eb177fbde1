//! Known-answer tables for the matcher: an expectation, an event, the verdict and its reasons.

use bytes::Bytes;
use regex::Regex;
use wire::{ErrorCode, Field, Name, ServerMessage, ServerVerb, Text, Token};

use super::*;
use crate::outcome::Observation;
use crate::scenario::{CloseKind, SuiteFile, Template, VarSource};

fn suite() -> Suite {
    Suite {
        name: "t".into(),
        title: "t".into(),
        dir: ".".into(),
        hash: String::new(),
        probe: crate::scenario::ProbeKind::Ping,
        protocol: crate::scenario::Protocol::SocketLab,
        program: crate::scenario::ProgramSettings::default(),
        variables: Vec::new(),
        addresses: Vec::new(),
        files: vec![SuiteFile {
            path: "hello.txt".into(),
            content: Bytes::from_static(b"hello"),
            symlink: None,
        }],
        scenarios: vec![],
    }
}

fn message(m: ServerMessage) -> Event {
    Event::Message {
        raw: Bytes::from(format!("{m}\n")),
        message: m,
    }
}

fn expect(verb: ServerVerb, fields: Vec<(Field, FieldMatcher)>) -> Expectation {
    Expectation::Message(MessageMatcher {
        verb,
        fields,
        payload: None,
        captures: vec![],
    })
}

fn file(p: PayloadMatcher) -> Expectation {
    Expectation::Message(MessageMatcher {
        verb: ServerVerb::File,
        fields: vec![],
        payload: Some(p),
        captures: vec![],
    })
}

fn exact(s: &str) -> FieldMatcher {
    FieldMatcher::Exact(Template::literal(s))
}

fn regex(p: &str) -> FieldMatcher {
    FieldMatcher::Regex(Regex::new(&format!("^(?:{p})$")).unwrap())
}

fn err404() -> Event {
    message(ServerMessage::Err {
        code: ErrorCode::NOT_FOUND,
        text: Text::new("no such file").unwrap(),
    })
}

fn pong(token: Option<&str>) -> Event {
    message(ServerMessage::Pong(token.map(|t| Token::new(t).unwrap())))
}

fn run(alternatives: &[Expectation], event: &Event) -> Result<(), Vec<Mismatch>> {
    let mut vars = Vars::new(1, "t");
    check(alternatives, event, &mut vars, &suite()).expect("no unset variable")
}

#[test]
fn messages_and_their_fields() {
    use Mismatch as M;
    let table: Vec<(Expectation, Event, Result<(), Vec<Mismatch>>)> = vec![
        (expect(ServerVerb::Err, vec![]), err404(), Ok(())),
        (
            expect(ServerVerb::Err, vec![(Field::Code, exact("404"))]),
            err404(),
            Ok(()),
        ),
        (
            expect(ServerVerb::Err, vec![(Field::Code, exact("403"))]),
            err404(),
            Err(vec![M::FieldDiffers {
                field: Field::Code,
                got: "404".into(),
                want: "403".into(),
            }]),
        ),
        (
            expect(ServerVerb::Ok, vec![]),
            err404(),
            Err(vec![M::Verb {
                got: ServerVerb::Err,
                want: ServerVerb::Ok,
            }]),
        ),
        (
            expect(ServerVerb::Err, vec![(Field::Text, regex("no .*"))]),
            err404(),
            Ok(()),
        ),
        (
            expect(ServerVerb::Err, vec![(Field::Text, regex("no"))]),
            err404(),
            Err(vec![M::FieldPattern {
                field: Field::Text,
                got: "no such file".into(),
                pattern: "no".into(),
            }]),
        ),
        (
            expect(ServerVerb::Pong, vec![(Field::Token, FieldMatcher::Absent)]),
            pong(None),
            Ok(()),
        ),
        (
            expect(ServerVerb::Pong, vec![(Field::Token, FieldMatcher::Absent)]),
            pong(Some("t1")),
            Err(vec![M::FieldPresent {
                field: Field::Token,
                got: "t1".into(),
            }]),
        ),
        (
            expect(ServerVerb::Pong, vec![(Field::Token, exact("t1"))]),
            pong(None),
            Err(vec![M::FieldMissing {
                field: Field::Token,
            }]),
        ),
        (
            expect(ServerVerb::Pong, vec![(Field::Token, FieldMatcher::Any)]),
            pong(None),
            Ok(()),
        ),
        // Anything but a message matches no message expectation, and gives no reason.
        (
            expect(ServerVerb::Ok, vec![]),
            Event::Closed(CloseKind::Fin),
            Err(vec![]),
        ),
    ];
    for (i, (e, event, want)) in table.into_iter().enumerate() {
        assert_eq!(run(&[e], &event), want, "row {i}");
    }
}

#[test]
fn payloads() {
    use Mismatch as M;
    let got = message(ServerMessage::File(Bytes::from_static(b"hellO")));
    let table = vec![
        (file(PayloadMatcher::Size(5)), Ok(())),
        (
            file(PayloadMatcher::Size(4)),
            Err(vec![M::PayloadSize { got: 5, want: 4 }]),
        ),
        (
            file(PayloadMatcher::Equals(PayloadSource::File(
                "hello.txt".into(),
            ))),
            Err(vec![M::PayloadByte {
                offset: 4,
                got: b'O',
                want: b'o',
            }]),
        ),
        (
            file(PayloadMatcher::Equals(PayloadSource::Text(
                Template::literal("hellO"),
            ))),
            Ok(()),
        ),
        (
            file(PayloadMatcher::Sha256(
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
            )),
            Err(vec![M::PayloadDigest {
                got: "04a6f55face2f46be8c23f627d539827615851e10751b63ec59db6d2c706b770".into(),
                want: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
            }]),
        ),
    ];
    for (i, (e, want)) in table.into_iter().enumerate() {
        assert_eq!(run(&[e], &got), want, "row {i}");
    }
}

#[test]
fn closes_and_alternatives() {
    let fin = Event::Closed(CloseKind::Fin);
    assert_eq!(run(&[Expectation::Close(CloseKind::Any)], &fin), Ok(()));
    assert_eq!(run(&[Expectation::Close(CloseKind::Fin)], &fin), Ok(()));
    assert_eq!(
        run(&[Expectation::Close(CloseKind::Reset)], &fin),
        Err(vec![Mismatch::Close {
            got: CloseKind::Fin
        }])
    );
    // The second alternative matches; the first one's reason is dropped.
    let alts = [
        expect(ServerVerb::Ok, vec![]),
        Expectation::Close(CloseKind::Any),
    ];
    assert_eq!(run(&alts, &fin), Ok(()));
    assert_eq!(
        run(&alts, &err404()),
        Err(vec![Mismatch::Verb {
            got: ServerVerb::Err,
            want: ServerVerb::Ok
        }])
    );
}

#[test]
fn captures_set_variables_only_on_a_match() {
    let from = message(ServerMessage::From {
        name: Name::new("bob").unwrap(),
        text: Text::new("hi").unwrap(),
    });
    let capture = Expectation::Message(MessageMatcher {
        verb: ServerVerb::From,
        fields: vec![(Field::Text, exact("bye"))],
        payload: None,
        captures: vec![("who".into(), Field::Name)],
    });
    let mut vars = Vars::new(1, "t");
    let failed = check(std::slice::from_ref(&capture), &from, &mut vars, &suite()).unwrap();
    assert!(failed.is_err());
    assert_eq!(vars.value("who"), None);
    let Expectation::Message(mut m) = capture else {
        unreachable!()
    };
    m.fields.clear();
    check(&[Expectation::Message(m)], &from, &mut vars, &suite())
        .unwrap()
        .unwrap();
    assert_eq!(vars.value("who"), Some(&b"bob"[..]));
}

#[test]
fn unset_variables_are_harness_errors() {
    let e = expect(
        ServerVerb::Err,
        vec![(
            Field::Code,
            FieldMatcher::Exact(Template::parse("${nope}", false).unwrap()),
        )],
    );
    let mut vars = Vars::new(1, "t");
    assert_eq!(
        check(&[e], &err404(), &mut vars, &suite()),
        Err(UnsetVar("nope".into()))
    );
}

#[test]
fn events_as_observations() {
    let table = [
        (
            Event::Timeout {
                partial: Bytes::new(),
                len: 0,
            },
            Observation::Nothing,
        ),
        (
            Event::Timeout {
                partial: Bytes::from_static(b"FILE 46\nabc"),
                len: 900,
            },
            Observation::Incomplete { len: 900 },
        ),
        (
            Event::Closed(CloseKind::Reset),
            Observation::Closed {
                how: CloseKind::Reset,
            },
        ),
    ];
    for (event, want) in table {
        assert_eq!(format!("{:?}", observe(&event).0), format!("{want:?}"));
    }
    let (o, bytes) = observe(&message(ServerMessage::File(Bytes::from_static(b"abc"))));
    assert_eq!(
        format!("{o:?}"),
        format!(
            "{:?}",
            Observation::Message {
                line: "FILE 3".into(),
                payload: Some(3)
            }
        )
    );
    assert_eq!(bytes.as_deref(), Some(&b"FILE 3\n"[..]));
}

#[test]
fn expectations_in_words() {
    let vars = Vars::new(1, "t");
    let table = [
        (
            expect(ServerVerb::Err, vec![(Field::Code, exact("404"))]),
            "ERR 404 <text>",
        ),
        (
            expect(ServerVerb::Welcome, vec![(Field::Text, regex(".+"))]),
            "WELCOME <text matching /.+/>",
        ),
        (
            expect(ServerVerb::Pong, vec![(Field::Token, FieldMatcher::Absent)]),
            "PONG",
        ),
        (expect(ServerVerb::File, vec![]), "FILE <size> <bytes>"),
        (file(PayloadMatcher::Size(3)), "FILE <3 bytes>"),
        (
            file(PayloadMatcher::Equals(PayloadSource::File("a.txt".into()))),
            "FILE <the bytes of a.txt>",
        ),
        (
            Expectation::Close(CloseKind::Fin),
            "the server to close the connection (FIN (orderly close))",
        ),
    ];
    for (e, want) in table {
        assert_eq!(describe(&e, &vars, "the server"), want);
    }
}
