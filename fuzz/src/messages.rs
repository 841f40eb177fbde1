//! Valid messages drawn from fuzz input, built only through the validating constructors: a
//! value a constructor refuses ends the input (`IncorrectFormat`), so every message the round
//! trip sees is one a program could send.

use arbitrary::{Error, Result, Unstructured};
use bytes::Bytes;
use wire::{ClientMessage, ErrorCode, FieldError, Name, PathArg, ServerMessage, Text, Token};

/// A field through its constructor.
fn field<T>(u: &mut Unstructured<'_>, new: fn(String) -> Result<T, FieldError>) -> Result<T> {
    let s: &str = u.arbitrary()?;
    new(s.to_owned()).map_err(|_| Error::IncorrectFormat)
}

fn name(u: &mut Unstructured<'_>) -> Result<Name> {
    field(u, Name::new)
}

fn text(u: &mut Unstructured<'_>) -> Result<Text> {
    field(u, Text::new)
}

fn token(u: &mut Unstructured<'_>) -> Result<Token> {
    field(u, Token::new)
}

fn path(u: &mut Unstructured<'_>) -> Result<PathArg> {
    field(u, PathArg::new)
}

fn payload(u: &mut Unstructured<'_>) -> Result<Bytes> {
    let bytes: &[u8] = u.arbitrary()?;
    Ok(Bytes::copy_from_slice(bytes))
}

fn optional<T>(
    u: &mut Unstructured<'_>,
    f: fn(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    Ok(if u.arbitrary()? { Some(f(u)?) } else { None })
}

/// A valid client message.
pub fn client(u: &mut Unstructured<'_>) -> Result<ClientMessage> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => ClientMessage::Hello(name(u)?),
        1 => ClientMessage::Msg(text(u)?),
        2 => ClientMessage::Get(path(u)?),
        3 => ClientMessage::Put {
            path: path(u)?,
            payload: payload(u)?,
        },
        4 => ClientMessage::Ping(optional(u, token)?),
        _ => ClientMessage::Bye(optional(u, text)?),
    })
}

/// A valid server message.
pub fn server(u: &mut Unstructured<'_>) -> Result<ServerMessage> {
    Ok(match u.int_in_range(0..=6u8)? {
        0 => ServerMessage::Welcome(text(u)?),
        1 => ServerMessage::Ok(optional(u, text)?),
        2 => ServerMessage::From {
            name: name(u)?,
            text: text(u)?,
        },
        3 => ServerMessage::File(payload(u)?),
        4 => ServerMessage::Pong(optional(u, token)?),
        5 => ServerMessage::Bye(optional(u, text)?),
        _ => ServerMessage::Err {
            code: ErrorCode::new(u.int_in_range(100..=599)?).map_err(|_| Error::IncorrectFormat)?,
            text: text(u)?,
        },
    })
}
