//! The validated field types of spec §3. A value that exists always encodes to a valid field:
//! each constructor checks the same character rules (`chars`) as the decoder's grammar.

use std::fmt;

use crate::chars::{self, RuleError};
use crate::malformed::{Field, MalformedKind};

/// A field value that breaks its grammar rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} at character offset {offset}: {kind}")]
pub struct FieldError {
    /// The field being built.
    pub field: Field,
    /// Byte offset of the offending character in the given string.
    pub offset: usize,
    /// What is wrong.
    pub kind: MalformedKind,
}

impl FieldError {
    /// An error in a lone field: a space there is a character the field forbids, not a
    /// separator.
    fn lone(field: Field, offset: usize, kind: MalformedKind) -> Self {
        let kind = match kind {
            MalformedKind::UnexpectedSpace | MalformedKind::TrailingInput => {
                MalformedKind::InvalidField(field)
            }
            other => other,
        };
        FieldError {
            field,
            offset,
            kind,
        }
    }
}

macro_rules! string_field {
    ($(#[$doc:meta])* $name:ident, $field:expr, $rule:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) String);

        impl $name {
            /// Validates `value` against the field's grammar rule.
            pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
                let value = value.into();
                let rule: fn(&str) -> Result<(), RuleError> = $rule;
                match rule(&value) {
                    Ok(()) => Ok($name(value)),
                    Err((offset, kind)) => Err(FieldError::lone($field, offset, kind)),
                }
            }

            /// The field as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, FieldError> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_field!(
    /// `name = 1*32( ALPHA / DIGIT / "_" / "-" )`: a chat participant.
    Name, Field::Name, |v| chars::check_word(v, Field::Name, Name::MAX_LEN, chars::is_name_char)
);
string_field!(
    /// `text = 1*tchar`: free text to the end of the line; any character but controls, and not
    /// starting with a space.
    Text, Field::Text, chars::check_text
);
string_field!(
    /// `token = 1*64( %x21-7E )`: the `PING`/`PONG` correlation token.
    Token, Field::Token, |v| chars::check_word(v, Field::Token, Token::MAX_LEN, chars::is_token_char)
);
string_field!(
    /// `path = 1*pchar`: a file path as written on the wire. Only its syntax is checked here; the
    /// safety rules (spec §8) are [`crate::path::RelativePath::parse`].
    PathArg, Field::Path, |v| chars::check_word(v, Field::Path, usize::MAX, chars::is_pchar)
);

impl Name {
    /// Longest name, in characters.
    pub const MAX_LEN: usize = 32;
}

impl Token {
    /// Longest token, in characters.
    pub const MAX_LEN: usize = 64;
}

/// `code = %x31-35 2DIGIT`: the three-digit code of an `ERR` reply (spec §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub(crate) u16);

impl ErrorCode {
    /// 400: malformed line, unknown verb.
    pub const MALFORMED: ErrorCode = ErrorCode(400);
    /// 401: `HELLO` first.
    pub const HELLO_FIRST: ErrorCode = ErrorCode(401);
    /// 403: path not allowed.
    pub const PATH_NOT_ALLOWED: ErrorCode = ErrorCode(403);
    /// 404: no such file.
    pub const NOT_FOUND: ErrorCode = ErrorCode(404);
    /// 405: not available on this transport.
    pub const WRONG_TRANSPORT: ErrorCode = ErrorCode(405);
    /// 409: name in use, or already introduced.
    pub const CONFLICT: ErrorCode = ErrorCode(409);
    /// 413: line or upload too large; the server closes.
    pub const TOO_LARGE: ErrorCode = ErrorCode(413);
    /// 500: internal error.
    pub const INTERNAL: ErrorCode = ErrorCode(500);
    /// 503: busy; the server closes.
    pub const BUSY: ErrorCode = ErrorCode(503);

    /// A code from 100 to 599.
    pub fn new(code: u16) -> Result<Self, FieldError> {
        if (100..=599).contains(&code) {
            Ok(ErrorCode(code))
        } else {
            Err(FieldError {
                field: Field::Code,
                offset: 0,
                kind: MalformedKind::InvalidField(Field::Code),
            })
        }
    }

    /// The code as a number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_share_the_grammar() {
        assert!(Name::new("alice").is_ok());
        let e = Name::new("al ice").unwrap_err();
        assert_eq!(
            (e.offset, e.kind),
            (2, MalformedKind::InvalidField(Field::Name))
        );
        assert_eq!(
            Name::new("").unwrap_err().kind,
            MalformedKind::MissingField(Field::Name)
        );
        assert!(Name::new("a".repeat(32)).is_ok());
        assert!(Name::new("a".repeat(33)).is_err());
        assert!(Text::new("hi there ").is_ok());
        assert_eq!(
            Text::new(" hi").unwrap_err().kind,
            MalformedKind::InvalidField(Field::Text)
        );
        assert_eq!(
            Text::new("a\nb").unwrap_err().kind,
            MalformedKind::ControlCharacter(b'\n')
        );
        assert!(Token::new("~!").is_ok());
        assert!(Token::new("é").is_err());
        assert!(
            PathArg::new("C://x").is_ok(),
            "syntax only; safety is path::RelativePath"
        );
        assert!(PathArg::new("a b").is_err());
        assert_eq!(ErrorCode::new(404), Ok(ErrorCode::NOT_FOUND));
        assert!(ErrorCode::new(600).is_err());
        assert!(ErrorCode::new(99).is_err());
    }
}
