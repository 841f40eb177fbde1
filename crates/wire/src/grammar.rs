//! The grammar of spec §3, one small parser per rule, over one complete line.
//!
//! Lines are framed first (`framing`), so these parsers run in complete mode: an error here is a
//! malformed line, never "need more". nom stays private to this module: its types appear in no
//! public signature.

use nom::bytes::complete::take_till;
use nom::error::{ErrorKind, ParseError};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::chars::{self, RuleError};
use crate::fields::{ErrorCode, Name, PathArg, Text, Token};
use crate::malformed::{Field, MalformedKind};
use crate::message::{ClientMessage, FileHeader, PutHeader, ServerMessage};
use crate::verb::{ClientVerb, ServerVerb};

/// Where and why a rule failed: `at` is the unparsed rest of the line.
#[derive(Debug)]
pub struct GrammarError<'a> {
    pub(crate) at: &'a str,
    pub(crate) kind: MalformedKind,
}

impl<'a> ParseError<&'a str> for GrammarError<'a> {
    fn from_error_kind(at: &'a str, _kind: ErrorKind) -> Self {
        GrammarError {
            at,
            kind: MalformedKind::TrailingInput,
        }
    }

    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = IResult<&'a str, T, GrammarError<'a>>;

/// What one line decodes to: a whole message, or the head of one whose payload follows, with
/// its size as written (`u128`: 20 digits), or as checked against a limit (`u64`).
#[derive(Debug)]
pub enum LineItem<M, H, S = u128> {
    Message(M),
    Header(H, S),
}

fn fail<T>(at: &str, kind: MalformedKind) -> PResult<'_, T> {
    Err(nom::Err::Error(GrammarError { at, kind }))
}

/// Offset of `rest` within `line`, when `rest` is a suffix of it.
pub(crate) fn offset_in(line: &str, rest: &str) -> usize {
    line.len() - rest.len()
}

/// `line`: valid UTF-8, not empty, no control characters. Returns the line as text.
pub(crate) fn line_text(line: &[u8]) -> Result<&str, (usize, MalformedKind)> {
    if line.is_empty() {
        return Err((0, MalformedKind::EmptyLine));
    }
    let text =
        std::str::from_utf8(line).map_err(|e| (e.valid_up_to(), MalformedKind::InvalidUtf8))?;
    match chars::find_control(line) {
        Some(at) => Err((at, MalformedKind::ControlCharacter(line[at]))),
        None => Ok(text),
    }
}

/// A run of characters up to the next SP or the end of the line (possibly empty).
fn word(input: &str) -> PResult<'_, &str> {
    take_till(|c| c == ' ').parse(input)
}

/// `SP` before a field: exactly one space, followed by the field.
fn sp(field: Field) -> impl Fn(&str) -> PResult<'_, ()> {
    move |input| match input.strip_prefix(' ') {
        None if input.is_empty() => fail(input, MalformedKind::MissingField(field)),
        None => fail(input, MalformedKind::TrailingInput),
        Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
            fail(rest, MalformedKind::UnexpectedSpace)
        }
        Some(rest) => Ok((rest, ())),
    }
}

/// A word whose every character satisfies `allowed`, 1 to `max` characters long.
fn bounded_word<'a>(
    input: &'a str,
    field: Field,
    max: usize,
    allowed: fn(char) -> bool,
) -> PResult<'a, &'a str> {
    let (rest, w) = word(input)?;
    match chars::check_word(w, field, max, allowed) {
        Ok(()) => Ok((rest, w)),
        Err(e) => fail_at(input, e),
    }
}

/// A rule's error at its offset in `input`.
fn fail_at<T>(input: &str, (at, kind): RuleError) -> PResult<'_, T> {
    fail(&input[at..], kind)
}

/// `name = 1*32( ALPHA / DIGIT / "_" / "-" )`
pub(crate) fn name(input: &str) -> PResult<'_, Name> {
    let (rest, w) = bounded_word(input, Field::Name, Name::MAX_LEN, chars::is_name_char)?;
    Ok((rest, Name(w.to_owned())))
}

/// `token = 1*64( %x21-7E )`
pub(crate) fn token(input: &str) -> PResult<'_, Token> {
    let (rest, w) = bounded_word(input, Field::Token, Token::MAX_LEN, chars::is_token_char)?;
    Ok((rest, Token(w.to_owned())))
}

/// `path = 1*pchar`, pchar being any `tchar` but SP.
pub(crate) fn path(input: &str) -> PResult<'_, PathArg> {
    let (rest, w) = bounded_word(input, Field::Path, usize::MAX, chars::is_pchar)?;
    Ok((rest, PathArg(w.to_owned())))
}

/// `text = 1*tchar`, not starting with SP (that SP would be a doubled separator).
///
/// `input` is the rest of a line that passed [`line_text`]: valid UTF-8 without a control
/// character, so every character is a `tchar` already and only the start is looked at. The
/// line is scanned once, not once more per text field.
pub(crate) fn text(input: &str) -> PResult<'_, Text> {
    debug_assert!(chars::check_text(input).is_ok() || input.is_empty() || input.starts_with(' '));
    if input.is_empty() {
        return fail(input, MalformedKind::MissingField(Field::Text));
    }
    if input.starts_with(' ') {
        return fail(input, MalformedKind::UnexpectedSpace);
    }
    Ok(("", Text(input.to_owned())))
}

/// `size = "0" / ( %x31-39 *19DIGIT )`
pub(crate) fn size(input: &str) -> PResult<'_, u128> {
    const MAX_DIGITS: usize = 20;
    let (rest, w) = bounded_word(input, Field::Size, MAX_DIGITS, chars::is_digit)?;
    if w.len() > 1 && w.starts_with('0') {
        return fail(input, MalformedKind::InvalidField(Field::Size));
    }
    // At most 20 digits: always fits in u128.
    let value = w.bytes().fold(0u128, |n, d| n * 10 + u128::from(d - b'0'));
    Ok((rest, value))
}

/// `code = %x31-35 2DIGIT`
pub(crate) fn code(input: &str) -> PResult<'_, ErrorCode> {
    let (rest, w) = word(input)?;
    let b = w.as_bytes();
    let valid =
        b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit);
    if !valid {
        let kind = if w.is_empty() {
            MalformedKind::MissingField(Field::Code)
        } else {
            MalformedKind::InvalidField(Field::Code)
        };
        return fail(input, kind);
    }
    let value = w.bytes().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    Ok((rest, ErrorCode(value)))
}

/// The end of the line: nothing may follow the last field.
fn end(input: &str) -> PResult<'_, ()> {
    if input.is_empty() {
        Ok((input, ()))
    } else {
        fail(input, MalformedKind::TrailingInput)
    }
}

/// `SP field` after the verb.
fn field<'a, T>(
    f: Field,
    rule: fn(&'a str) -> PResult<'a, T>,
) -> impl Parser<&'a str, Output = T, Error = GrammarError<'a>> {
    preceded(sp(f), rule)
}

/// `[SP field]` ending the line.
fn optional<'a, T>(
    input: &'a str,
    f: Field,
    rule: fn(&'a str) -> PResult<'a, T>,
) -> PResult<'a, Option<T>> {
    if input.is_empty() {
        return Ok((input, None));
    }
    field(f, rule).map(Some).parse(input)
}

/// Runs `parser` over the rest of the line, which it must consume whole.
fn whole<'a, T>(
    input: &'a str,
    mut parser: impl Parser<&'a str, Output = T, Error = GrammarError<'a>>,
) -> Result<T, GrammarError<'a>> {
    let (rest, value) = parser.parse(input).map_err(into_error)?;
    end(rest).map_err(into_error)?;
    Ok(value)
}

fn into_error(e: nom::Err<GrammarError<'_>>) -> GrammarError<'_> {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        // Complete-mode parsers never ask for more input.
        nom::Err::Incomplete(_) => GrammarError {
            at: "",
            kind: MalformedKind::TrailingInput,
        },
    }
}

/// Splits the verb off a line. The line has passed [`line_text`].
fn verb(line: &str) -> Result<(&str, &str), GrammarError<'_>> {
    let (rest, verb) = word(line).map_err(into_error)?;
    if verb.is_empty() {
        return Err(GrammarError {
            at: line,
            kind: MalformedKind::UnexpectedSpace,
        });
    }
    Ok((rest, verb))
}

fn unknown_verb<'a>(line: &'a str, verb: &str) -> GrammarError<'a> {
    GrammarError {
        at: line,
        kind: MalformedKind::UnknownVerb(verb.to_owned()),
    }
}

/// `client-msg`, without its line end.
pub(crate) fn client_line(
    line: &str,
) -> Result<LineItem<ClientMessage, PutHeader>, GrammarError<'_>> {
    use ClientMessage as C;
    let (rest, word) = verb(line)?;
    let Some(verb) = ClientVerb::parse(word) else {
        return Err(unknown_verb(line, word));
    };
    let message = match verb {
        ClientVerb::Hello => C::Hello(whole(rest, field(Field::Name, name))?),
        ClientVerb::Msg => C::Msg(whole(rest, field(Field::Text, text))?),
        ClientVerb::Get => C::Get(whole(rest, field(Field::Path, path))?),
        ClientVerb::Put => {
            let (path, size) = whole(rest, (field(Field::Path, path), field(Field::Size, size)))?;
            return Ok(LineItem::Header(PutHeader { path }, size));
        }
        ClientVerb::Ping => C::Ping(whole(rest, |i| optional(i, Field::Token, token))?),
        ClientVerb::Bye => C::Bye(whole(rest, |i| optional(i, Field::Text, text))?),
    };
    Ok(LineItem::Message(message))
}

/// `server-msg`, without its line end.
pub(crate) fn server_line(
    line: &str,
) -> Result<LineItem<ServerMessage, FileHeader>, GrammarError<'_>> {
    use ServerMessage as S;
    let (rest, word) = verb(line)?;
    let Some(verb) = ServerVerb::parse(word) else {
        return Err(unknown_verb(line, word));
    };
    let message = match verb {
        ServerVerb::Welcome => S::Welcome(whole(rest, field(Field::Text, text))?),
        ServerVerb::Ok => S::Ok(whole(rest, |i| optional(i, Field::Text, text))?),
        ServerVerb::From => {
            let (name, text) = whole(rest, (field(Field::Name, name), field(Field::Text, text)))?;
            S::From { name, text }
        }
        ServerVerb::File => {
            let size = whole(rest, field(Field::Size, size))?;
            return Ok(LineItem::Header(FileHeader, size));
        }
        ServerVerb::Pong => S::Pong(whole(rest, |i| optional(i, Field::Token, token))?),
        ServerVerb::Bye => S::Bye(whole(rest, |i| optional(i, Field::Text, text))?),
        ServerVerb::Err => {
            let (code, text) = whole(rest, (field(Field::Code, code), field(Field::Text, text)))?;
            S::Err { code, text }
        }
    };
    Ok(LineItem::Message(message))
}

#[cfg(test)]
mod tests {
    //! Known-answer tables: input, then the value or the error and its offset.
    use super::*;

    fn client(line: &str) -> Result<String, (usize, MalformedKind)> {
        match client_line(line) {
            Ok(LineItem::Message(m)) => Ok(format!("{m:?}")),
            Ok(LineItem::Header(h, size)) => Ok(format!("{h:?} {size}")),
            Err(e) => Err((offset_in(line, e.at), e.kind)),
        }
    }

    #[test]
    fn client_lines_that_parse() {
        let table = [
            ("HELLO alice", r#"Hello(Name("alice"))"#),
            ("HELLO A_b-9", r#"Hello(Name("A_b-9"))"#),
            ("MSG a  b ", r#"Msg(Text("a  b "))"#),
            ("GET docs/x.txt", r#"Get(PathArg("docs/x.txt"))"#),
            ("GET ../etc/passwd", r#"Get(PathArg("../etc/passwd"))"#),
            ("PUT a 0", r#"PutHeader { path: PathArg("a") } 0"#),
            (
                "PUT a 99999999999999999999",
                r#"PutHeader { path: PathArg("a") } 99999999999999999999"#,
            ),
            ("PING", "Ping(None)"),
            ("PING t-1", r#"Ping(Some(Token("t-1")))"#),
            ("BYE", "Bye(None)"),
            ("BYE see you", r#"Bye(Some(Text("see you")))"#),
        ];
        for (line, expected) in table {
            assert_eq!(client(line), Ok(expected.to_owned()), "{line:?}");
        }
    }

    #[test]
    fn client_lines_that_fail_point_at_the_offending_byte() {
        use Field::*;
        use MalformedKind::*;
        let table = [
            ("JUMP now", 0, UnknownVerb("JUMP".into())),
            ("hello alice", 0, UnknownVerb("hello".into())),
            (" HELLO alice", 0, UnexpectedSpace),
            ("HELLO", 5, MissingField(Name)),
            ("HELLO ", 6, UnexpectedSpace),
            ("HELLO  alice", 6, UnexpectedSpace),
            ("HELLO al ice", 8, TrailingInput),
            ("HELLO al!ce", 8, InvalidField(Name)),
            (
                "HELLO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                38,
                FieldTooLong {
                    field: Name,
                    max: 32,
                },
            ),
            ("MSG", 3, MissingField(Text)),
            ("MSG  x", 4, UnexpectedSpace),
            ("PUT a.txt", 9, MissingField(Size)),
            ("PUT a.txt 12x", 12, InvalidField(Size)),
            ("PUT a.txt 05", 10, InvalidField(Size)),
            (
                "PUT a.txt 123456789012345678901",
                30,
                FieldTooLong {
                    field: Size,
                    max: 20,
                },
            ),
            ("PUT a.txt 5 x", 11, TrailingInput),
            ("PING a b", 6, TrailingInput),
            ("BYE ", 4, UnexpectedSpace),
            ("WELCOME hi", 0, UnknownVerb("WELCOME".into())),
        ];
        for (line, offset, kind) in table {
            assert_eq!(client(line), Err((offset, kind)), "{line:?}");
        }
    }

    #[test]
    fn server_lines() {
        let ok = |line: &str| match server_line(line) {
            Ok(LineItem::Message(m)) => format!("{m:?}"),
            Ok(LineItem::Header(h, size)) => format!("{h:?} {size}"),
            Err(e) => format!("error {:?} at {}", e.kind, offset_in(line, e.at)),
        };
        assert_eq!(
            ok("ERR 404 no such file"),
            r#"Err { code: ErrorCode(404), text: Text("no such file") }"#
        );
        assert_eq!(ok("ERR 4O4 nope"), "error InvalidField(Code) at 4");
        assert_eq!(ok("ERR 600 nope"), "error InvalidField(Code) at 4");
        assert_eq!(ok("ERR 404"), "error MissingField(Text) at 7");
        assert_eq!(ok("FILE 12"), "FileHeader 12");
        assert_eq!(
            ok("FROM bob hi there"),
            r#"From { name: Name("bob"), text: Text("hi there") }"#
        );
        assert_eq!(ok("OK"), "Ok(None)");
        assert_eq!(ok("HELLO bob"), r#"error UnknownVerb("HELLO") at 0"#);
    }

    #[test]
    fn line_text_rejects_what_no_field_allows() {
        assert_eq!(line_text(b""), Err((0, MalformedKind::EmptyLine)));
        assert_eq!(line_text(b"MSG \xff"), Err((4, MalformedKind::InvalidUtf8)));
        assert_eq!(
            line_text(b"MSG a\x07"),
            Err((5, MalformedKind::ControlCharacter(7)))
        );
        assert_eq!(
            line_text(b"MSG a\x7f"),
            Err((5, MalformedKind::ControlCharacter(0x7f)))
        );
        assert_eq!(line_text("MSG é".as_bytes()), Ok("MSG é"));
    }
}
